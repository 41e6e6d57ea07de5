// What Braid's store must hold for an OTLP request, column by column: the expected rows of
// otel_traces, otel_logs and otel_metrics_*, computed from a decoded Export*ServiceRequest
// (protobufjs toObject with longs as strings and enums as numbers). Kafka headers of the message
// become `kafka.header.<name>` resource attributes; the tenant comes from them or the default.
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- decoded OTLP objects

export interface MessageContext {
  /** Kafka headers of the message(s) that carried the request. */
  headers: Record<string, string>;
  /** The Tenant column Braid must write. */
  tenant: string;
}

/**
 * A metric time (ns) as the store keeps it: the current exporter layout's metric time columns are
 * DateTime, whole seconds (docs/storage.md).
 */
export const storedMetricTime = (ns: string | undefined) => (!ns || ns.length <= 9 ? "0" : `${ns.slice(0, -9)}000000000`);

export const hexId = (id: unknown) => (id && (id as Uint8Array).length ? Buffer.from(id as Uint8Array).toString("hex") : "");

/** An AnyValue as Braid stores it in a Map(String, String) column. */
export function anyValueText(value: Obj | undefined): string {
  if (!value) return "";
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue ? "true" : "false";
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return String(Number(value.doubleValue));
  if (value.arrayValue) return JSON.stringify((value.arrayValue.values ?? []).map((v: Obj) => (v.intValue !== undefined ? Number(v.intValue) : v.stringValue ?? v.boolValue ?? v.doubleValue)));
  return "";
}
export const attributeMap = (list: Obj[] | undefined): Record<string, string> => Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValueText(kv.value)]));

const severityTexts = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
const spanKinds = ["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"];
const statusCodes = ["Unset", "Ok", "Error"];

function resourceOf(resource: Obj | undefined, context: MessageContext) {
  const attrs = attributeMap(resource?.attributes);
  const headers = Object.fromEntries(Object.entries(context.headers).map(([name, value]) => [`kafka.header.${name}`, value]));
  return { attrs: { ...attrs, ...headers }, service: attrs["service.name"] ?? "unknown_service", language: attrs["telemetry.sdk.language"] ?? "unknown" };
}

export function expectedSpans(request: Obj, context: MessageContext): Obj[] {
  const out: Obj[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = resourceOf(resourceSpans.resource, context);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const spanAttributes = attributeMap(span.attributes);
        const events: Obj[] = span.events ?? [];
        const links: Obj[] = span.links ?? [];
        out.push({
          TraceId: hexId(span.traceId),
          SpanId: hexId(span.spanId),
          ParentSpanId: hexId(span.parentSpanId),
          TraceState: span.traceState ?? "",
          SpanName: span.name,
          SpanKind: spanKinds[span.kind ?? 0],
          ServiceName: resource.service,
          ScopeName: scopeSpans.scope?.name ?? "",
          ScopeVersion: scopeSpans.scope?.version ?? "",
          Timestamp: span.startTimeUnixNano,
          Duration: (BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)).toString(),
          StatusCode: statusCodes[span.status?.code ?? 0],
          StatusMessage: span.status?.message ?? "",
          SpanAttributes: spanAttributes,
          ResourceAttributes: resource.attrs,
          "Events.Name": events.map((event) => event.name),
          EventTimes: events.map((event) => event.timeUnixNano),
          "Events.Attributes": events.map((event) => attributeMap(event.attributes)),
          "Links.TraceId": links.map((link) => hexId(link.traceId)),
          "Links.SpanId": links.map((link) => hexId(link.spanId)),
          "Links.TraceState": links.map((link) => link.traceState ?? ""),
          "Links.Attributes": links.map((link) => attributeMap(link.attributes)),
          SourceLanguage: resource.language,
          Tenant: context.tenant,
          ...(spanAttributes["fixture.expected_code"] ? { ErrorCode: spanAttributes["fixture.expected_code"] } : {}),
        });
      }
    }
  }
  return out;
}

export function expectedLogs(request: Obj, context: MessageContext): Obj[] {
  const out: Obj[] = [];
  for (const resourceLogs of request.resourceLogs ?? []) {
    const resource = resourceOf(resourceLogs.resource, context);
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        const logAttributes = attributeMap(record.attributes);
        out.push({
          Timestamp: record.timeUnixNano,
          TraceId: hexId(record.traceId),
          SpanId: hexId(record.spanId),
          TraceFlags: (record.flags ?? 0) & 0xff,
          SeverityNumber: record.severityNumber ?? 0,
          SeverityText: record.severityNumber ? severityTexts[Math.floor((record.severityNumber - 1) / 4)] : "",
          ServiceName: resource.service,
          Body: anyValueText(record.body),
          ResourceAttributes: resource.attrs,
          ScopeName: scopeLogs.scope?.name ?? "",
          ScopeVersion: scopeLogs.scope?.version ?? "",
          LogAttributes: logAttributes,
          EventName: record.eventName ?? "",
          LogFormat: "otlp",
          SourceLanguage: resource.language,
          Tenant: context.tenant,
          ...(logAttributes["fixture.expected_code"] ? { ErrorCode: logAttributes["fixture.expected_code"] } : {}),
        });
      }
    }
  }
  return out;
}

export const metricTables = ["gauge", "sum", "histogram", "exponential_histogram", "summary"] as const;
export type MetricTable = (typeof metricTables)[number];
const numberValue = (p: Obj) => (p.asDouble !== undefined ? p.asDouble : Number(p.asInt ?? 0));

/** Expected rows per otel_metrics_<table>; `TimeNs`, `StartNs` and `ExemplarTimes` are nanosecond strings. */
export function expectedPoints(request: Obj, context: MessageContext): Record<MetricTable, Obj[]> {
  const out = Object.fromEntries(metricTables.map((table) => [table, [] as Obj[]])) as Record<MetricTable, Obj[]>;
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    const resource = resourceOf(resourceMetrics.resource, context);
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scopeMetrics.metrics ?? []) {
        const add = (table: MetricTable, p: Obj, fields: Obj) => {
          const exemplars: Obj[] = p.exemplars ?? [];
          out[table].push({
            MetricName: metric.name,
            MetricUnit: metric.unit ?? "",
            MetricDescription: metric.description ?? "",
            ServiceName: resource.service,
            ResourceAttributes: resource.attrs,
            ScopeName: scopeMetrics.scope?.name ?? "",
            Attributes: attributeMap(p.attributes),
            TimeNs: storedMetricTime(p.timeUnixNano),
            StartNs: storedMetricTime(p.startTimeUnixNano),
            Flags: p.flags ?? 0,
            Tenant: context.tenant,
            ...(table === "summary"
              ? {}
              : { "Exemplars.Value": exemplars.map(numberValue), "Exemplars.SpanId": exemplars.map((e) => hexId(e.spanId)), "Exemplars.TraceId": exemplars.map((e) => hexId(e.traceId)), ExemplarTimes: exemplars.map((e) => storedMetricTime(e.timeUnixNano)) }),
            ...fields,
          });
        };
        for (const p of metric.gauge?.dataPoints ?? []) add("gauge", p, { Value: numberValue(p) });
        for (const p of metric.sum?.dataPoints ?? []) add("sum", p, { Value: numberValue(p), AggregationTemporality: metric.sum.aggregationTemporality ?? 0, IsMonotonic: metric.sum.isMonotonic === true });
        for (const p of metric.histogram?.dataPoints ?? []) {
          add("histogram", p, { Count: String(p.count ?? "0"), Sum: p.sum ?? 0, BucketCounts: (p.bucketCounts ?? []).map(String), ExplicitBounds: p.explicitBounds ?? [], Min: p.min ?? 0, Max: p.max ?? 0, AggregationTemporality: metric.histogram.aggregationTemporality ?? 0 });
        }
        for (const p of metric.exponentialHistogram?.dataPoints ?? []) {
          add("exponential_histogram", p, {
            Count: String(p.count ?? "0"),
            Sum: p.sum ?? 0,
            Scale: p.scale ?? 0,
            ZeroCount: String(p.zeroCount ?? "0"),
            PositiveOffset: p.positive?.offset ?? 0,
            PositiveBucketCounts: (p.positive?.bucketCounts ?? []).map(String),
            NegativeOffset: p.negative?.offset ?? 0,
            NegativeBucketCounts: (p.negative?.bucketCounts ?? []).map(String),
            Min: p.min ?? 0,
            Max: p.max ?? 0,
            AggregationTemporality: metric.exponentialHistogram.aggregationTemporality ?? 0,
          });
        }
        for (const p of metric.summary?.dataPoints ?? []) {
          add("summary", p, { Count: String(p.count ?? "0"), Sum: p.sum ?? 0, "ValueAtQuantiles.Quantile": (p.quantileValues ?? []).map((q: Obj) => q.quantile ?? 0), "ValueAtQuantiles.Value": (p.quantileValues ?? []).map((q: Obj) => q.value ?? 0) });
        }
      }
    }
  }
  return out;
}
