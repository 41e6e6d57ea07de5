// fast-check arbitraries of *valid* OTLP export requests, in the object shape protobufjs'
// fromObject takes for the official protos (camelCase, bytes as Uint8Array, 64-bit integers as
// decimal strings, enums as numbers). Valid means what the protos and the OTLP spec allow, not
// what producers usually send: times of 0 or at the end of fixed64, empty or missing resources and
// scopes, empty attribute keys, bytes and nested array/kvlist values, NaN and ±Infinity, the
// extremes of int64/uint64/sint32, unknown enum numbers (proto3 enums are open), lone UTF-16
// surrogates, very long strings, and a marker that the encoders below replace by bytes that are
// not UTF-8 (protobufjs cannot write such strings itself).
import fc from "fast-check";
import { otlpTypes } from "../../schemas/otlp/proto.js";

export type SignalRequest = "traces" | "logs" | "metrics";

/** Replaced, after encoding, by bytes that are not UTF-8 (same length, so the protobuf stays valid). */
export const INVALID_UTF8_MARKER = "\u00a7INVALID-UTF8\u00a7";
const markerBytes = Buffer.from(INVALID_UTF8_MARKER, "utf8");
const invalidBytes = Buffer.from(markerBytes.map((_, i) => [0xff, 0xc0, 0xfe, 0x80, 0xed][i % 5]!));

const NOW_NS = BigInt(Date.now()) * 1_000_000n;
const U64_MAX = 2n ** 64n - 1n;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

const loneSurrogate = fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff");
const codeUnit = fc.oneof({ weight: 12, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: loneSurrogate });
const longString = fc.constantFrom("x".repeat(70_000), "\u{1F600}".repeat(20_000), "é".repeat(40_000) + "\ud800");

/** Any string OTLP can carry, and some a decoder produces from bytes that are not UTF-8. */
export const otlpString = fc.oneof(
  { weight: 20, arbitrary: fc.string({ unit: codeUnit, maxLength: 24 }) },
  { weight: 2, arbitrary: fc.constantFrom("", " ", "service.name", "\u0000", "a\nb\tc", "🚀", "'; DROP TABLE x; --", "{\"json\":true}", "\\ud800") },
  { weight: 1, arbitrary: fc.constant(INVALID_UTF8_MARKER) },
  { weight: 1, arbitrary: longString },
);

/** fixed64 nanoseconds: absent, 0, recent, far past, far future, the end of the range. */
export const nanos = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: NOW_NS - 3_600_000_000_000n, max: NOW_NS + 60_000_000_000n }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom("0", "1", "999999999", "1000000000", "9223372036854775807", "9223372036854775808", U64_MAX.toString()) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }).map(String) },
);
const uint64 = fc.oneof(fc.bigInt({ min: 0n, max: 1000n }).map(String), fc.constantFrom("0", U64_MAX.toString(), "9223372036854775808"), fc.bigInt({ min: 0n, max: U64_MAX }).map(String));
const int64 = fc.oneof(fc.bigInt({ min: -1000n, max: 1000n }).map(String), fc.constantFrom(I64_MIN.toString(), I64_MAX.toString()), fc.bigInt({ min: I64_MIN, max: I64_MAX }).map(String));
const uint32 = fc.oneof(fc.constantFrom(0, 1, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const sint32 = fc.oneof(fc.integer({ min: -20, max: 20 }), fc.constantFrom(-(2 ** 31), 2 ** 31 - 1));
/** Any double: NaN, ±Infinity, -0, subnormals included (fast-check's default). */
const double = fc.double();
const openEnum = (known: number) => fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: known }) }, { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) });
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const optionalId = (length: number) => fc.oneof(fc.constant(new Uint8Array(0)), bytes(length));

const { anyValue } = fc.letrec((tie) => ({
  anyValue: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ stringValue: otlpString }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: int64 }),
    fc.record({ doubleValue: double }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 24 }) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie("anyValue"), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: otlpString, value: tie("anyValue") }, { requiredKeys: ["key"] }), { maxLength: 3 }) }) }),
    fc.constant({}),
  ),
}));
export { anyValue };

const keyValue = fc.record({ key: fc.oneof(otlpString, fc.constantFrom("", "service.name", "telemetry.sdk.language", "http.status_code", "exception.message", "error.type")), value: anyValue }, { requiredKeys: ["key"] });
const attributes = fc.array(keyValue, { maxLength: 6 });
const resource = fc.option(fc.record({ attributes, droppedAttributesCount: uint32 }, { requiredKeys: [] }), { nil: undefined });
const scope = fc.option(fc.record({ name: otlpString, version: otlpString, attributes, droppedAttributesCount: uint32 }, { requiredKeys: [] }), { nil: undefined });

const span = fc.record(
  {
    traceId: bytes(16),
    spanId: bytes(8),
    traceState: otlpString,
    parentSpanId: optionalId(8),
    flags: uint32,
    name: otlpString,
    kind: openEnum(5),
    startTimeUnixNano: nanos,
    endTimeUnixNano: nanos,
    attributes,
    droppedAttributesCount: uint32,
    events: fc.array(fc.record({ timeUnixNano: nanos, name: fc.oneof(fc.constant("exception"), otlpString), attributes, droppedAttributesCount: uint32 }, { requiredKeys: [] }), { maxLength: 3 }),
    droppedEventsCount: uint32,
    links: fc.array(fc.record({ traceId: optionalId(16), spanId: optionalId(8), traceState: otlpString, attributes, droppedAttributesCount: uint32, flags: uint32 }, { requiredKeys: [] }), { maxLength: 2 }),
    droppedLinksCount: uint32,
    status: fc.option(fc.record({ message: otlpString, code: openEnum(2) }, { requiredKeys: [] }), { nil: undefined }),
  },
  { requiredKeys: ["traceId", "spanId"] },
);

const logRecord = fc.record(
  {
    timeUnixNano: nanos,
    observedTimeUnixNano: nanos,
    severityNumber: openEnum(24),
    severityText: otlpString,
    body: anyValue,
    attributes,
    droppedAttributesCount: uint32,
    flags: uint32,
    traceId: optionalId(16),
    spanId: optionalId(8),
    eventName: otlpString,
  },
  { requiredKeys: [] },
);

const exemplar = fc.record(
  { filteredAttributes: attributes, timeUnixNano: nanos, value: fc.oneof(fc.record({ asDouble: double }), fc.record({ asInt: int64 }), fc.constant({})), spanId: optionalId(8), traceId: optionalId(16) },
  { requiredKeys: ["value"] },
).map(({ value, ...rest }) => ({ ...rest, ...value }));
const exemplars = fc.array(exemplar, { maxLength: 2 });
const pointBase = { attributes, startTimeUnixNano: nanos, timeUnixNano: nanos, flags: uint32, exemplars };
const numberPoint = fc
  .record({ ...pointBase, value: fc.oneof(fc.record({ asDouble: double }), fc.record({ asInt: int64 }), fc.constant({})) }, { requiredKeys: ["value"] })
  .map(({ value, ...rest }) => ({ ...rest, ...value }));
const histogramPoint = fc.record(
  { ...pointBase, count: uint64, sum: double, bucketCounts: fc.array(uint64, { maxLength: 5 }), explicitBounds: fc.array(double, { maxLength: 4 }), min: double, max: double },
  { requiredKeys: [] },
);
const buckets = fc.record({ offset: sint32, bucketCounts: fc.array(uint64, { maxLength: 4 }) }, { requiredKeys: [] });
const exponentialPoint = fc.record(
  { ...pointBase, count: uint64, sum: double, scale: sint32, zeroCount: uint64, positive: buckets, negative: buckets, min: double, max: double, zeroThreshold: double },
  { requiredKeys: [] },
);
const summaryPoint = fc.record(
  { attributes, startTimeUnixNano: nanos, timeUnixNano: nanos, flags: uint32, count: uint64, sum: double, quantileValues: fc.array(fc.record({ quantile: double, value: double }, { requiredKeys: [] }), { maxLength: 3 }) },
  { requiredKeys: [] },
);
const points = <T>(point: fc.Arbitrary<T>) => fc.array(point, { maxLength: 3 });
const temporality = openEnum(2);

/** One metric with exactly one data type (the proto's oneof), or none (nothing to store). */
const metricData = fc.oneof(
  fc.record({ gauge: fc.record({ dataPoints: points(numberPoint) }) }),
  fc.record({ sum: fc.record({ dataPoints: points(numberPoint), aggregationTemporality: temporality, isMonotonic: fc.boolean() }, { requiredKeys: ["dataPoints"] }) }),
  fc.record({ histogram: fc.record({ dataPoints: points(histogramPoint), aggregationTemporality: temporality }, { requiredKeys: ["dataPoints"] }) }),
  fc.record({ exponentialHistogram: fc.record({ dataPoints: points(exponentialPoint), aggregationTemporality: temporality }, { requiredKeys: ["dataPoints"] }) }),
  fc.record({ summary: fc.record({ dataPoints: points(summaryPoint) }) }),
  fc.constant({}),
);
const metric = fc.record({ name: otlpString, description: otlpString, unit: otlpString, metadata: attributes, data: metricData }, { requiredKeys: ["data"] }).map(({ data, ...rest }) => ({ ...rest, ...data }));

const list = <T>(item: fc.Arbitrary<T>, maxLength: number) => fc.array(item, { maxLength });
const schemaUrl = fc.oneof(fc.constant(""), otlpString);

export const traceRequest = fc.record({
  resourceSpans: list(fc.record({ resource, scopeSpans: list(fc.record({ scope, spans: list(span, 3), schemaUrl }, { requiredKeys: [] }), 2), schemaUrl }, { requiredKeys: [] }), 3),
});
export const logRequest = fc.record({
  resourceLogs: list(fc.record({ resource, scopeLogs: list(fc.record({ scope, logRecords: list(logRecord, 3), schemaUrl }, { requiredKeys: [] }), 2), schemaUrl }, { requiredKeys: [] }), 3),
});
export const metricRequest = fc.record({
  resourceMetrics: list(fc.record({ resource, scopeMetrics: list(fc.record({ scope, metrics: list(metric, 3), schemaUrl }, { requiredKeys: [] }), 2), schemaUrl }, { requiredKeys: [] }), 3),
});

const typeNames = { traces: "ExportTraceServiceRequest", logs: "ExportLogsServiceRequest", metrics: "ExportMetricsServiceRequest" } as const;

function withInvalidUtf8(buffer: Buffer): Buffer {
  let at = buffer.indexOf(markerBytes);
  while (at >= 0) {
    invalidBytes.copy(buffer, at);
    at = buffer.indexOf(markerBytes, at + markerBytes.length);
  }
  return buffer;
}

/** The request as the Collector's otlp_proto encoding writes it (protobufjs, official protos). */
export function encodeProto(signal: SignalRequest, request: object): Buffer {
  const type = otlpTypes()[typeNames[signal]];
  return withInvalidUtf8(Buffer.from(type.encode(type.fromObject(request)).finish()));
}

const hexIdKeys = new Set(["traceId", "spanId", "parentSpanId"]);

function idsToHex(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(idsToHex);
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) out[key] = hexIdKeys.has(key) && typeof child === "string" ? Buffer.from(child, "base64").toString("hex") : idsToHex(child);
  return out;
}

/**
 * The request in the OTLP/JSON mapping (the otlp_json encoding): protobuf's JSON mapping
 * (lowerCamelCase, 64-bit integers as strings, bytes as base64, "NaN"/"Infinity" for non-finite
 * doubles) with trace and span ids as hex, as the OTLP spec requires.
 */
export function encodeJson(signal: SignalRequest, request: object): Buffer {
  const type = otlpTypes()[typeNames[signal]];
  const json = type.toObject(type.fromObject(request), { json: true, longs: String, enums: Number, bytes: String });
  return withInvalidUtf8(Buffer.from(JSON.stringify(idsToHex(json))));
}

/** Items per table that a valid request must store: one row per span, log record and data point. */
export function expectedRows(signal: SignalRequest, request: any): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (table: string, n: number) => {
    if (n > 0) counts[table] = (counts[table] ?? 0) + n;
  };
  if (signal === "traces") for (const r of request.resourceSpans) for (const s of r.scopeSpans ?? []) add("otel_traces", (s.spans ?? []).length);
  if (signal === "logs") for (const r of request.resourceLogs) for (const s of r.scopeLogs ?? []) add("otel_logs", (s.logRecords ?? []).length);
  if (signal === "metrics") {
    for (const r of request.resourceMetrics)
      for (const s of r.scopeMetrics ?? [])
        for (const m of s.metrics ?? []) {
          if (m.gauge) add("otel_metrics_gauge", m.gauge.dataPoints.length);
          if (m.sum) add("otel_metrics_sum", m.sum.dataPoints.length);
          if (m.histogram) add("otel_metrics_histogram", m.histogram.dataPoints.length);
          if (m.exponentialHistogram) add("otel_metrics_exponential_histogram", m.exponentialHistogram.dataPoints.length);
          if (m.summary) add("otel_metrics_summary", m.summary.dataPoints.length);
        }
  }
  return counts;
}
