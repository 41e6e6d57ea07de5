// ExportMetricsServiceRequest → rows of the five otel_metrics_* tables, exemplars included.
import type { ExponentialHistogramRow, GaugeRow, HistogramRow, MetricRows, SumRow, SummaryRow } from "../schemas/rows.js";
import type { Exemplar, ExportMetricsServiceRequest, Metric, NumberDataPoint } from "../schemas/otlp/types.js";
import { attributeMap } from "./attributes.js";
import { DEFAULT_LIMITS, type NormalizeContext, type NormalizeLimits, type NormalizeStats } from "./context.js";
import { idToHex } from "./ids.js";
import { textField } from "./text.js";
import { resourceInfo, type ResourceInfo } from "./resource.js";
import { nanosString, storableNanos, timestampProblem, timeWindow, type TimeWindow } from "./time.js";

function arrayOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/**
 * A Float64 column value. NaN and ±Infinity are kept (OTLP allows them and Float64 holds them);
 * an absent value is 0, as the exporter writes it. int64 values (strings) become the nearest double.
 */
function float(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const n = Number(value);
    return Number.isNaN(n) && !/^\s*nan\s*$/i.test(value) ? 0 : n;
  }
  return 0;
}

/** An Int32 column value (Scale, offsets, AggregationTemporality); 0 when out of range. */
function int(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 ? value : 0;
}

/** A UInt32 column value (Flags, ScopeDroppedAttrCount); 0 when out of range. */
function uint32(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 4294967295 ? value : 0;
}

function uint64String(value: unknown): string {
  return nanosString(value); // same rules: canonical decimal string, "0" when absent
}

interface Shared {
  ctx: NormalizeContext;
  limits: NormalizeLimits;
  window: TimeWindow;
  stats: NormalizeStats | undefined;
  invalidId: () => void;
  clamped: () => void;
}

interface Common {
  ResourceAttributes: Record<string, string>;
  ResourceSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: Record<string, string>;
  ScopeDroppedAttrCount: number;
  ScopeSchemaUrl: string;
  ServiceName: string;
  MetricName: string;
  MetricDescription: string;
  MetricUnit: string;
  SourceLanguage: string;
  Tenant: string;
  IngestedAt: string;
}

interface PointBase {
  attributes?: NumberDataPoint["attributes"];
  startTimeUnixNano?: NumberDataPoint["startTimeUnixNano"];
  timeUnixNano?: NumberDataPoint["timeUnixNano"];
  flags?: number;
}

/** Per-point columns; a missing or absurd TimeUnix is replaced by now and counted (not flagged in Attributes: they identify the series). */
function pointColumns(point: PointBase, shared: Shared) {
  let time = nanosString(point.timeUnixNano);
  if (timestampProblem(time, shared.window)) {
    time = shared.window.now;
    if (shared.stats) shared.stats.timestampFixups++;
  }
  return {
    Attributes: attributeMap(point.attributes, shared.limits, shared.stats),
    // 0 (absent: OTLP makes the start time optional, and gauges rarely have one) is kept and
    // stored as 1970-01-01T00:00:00Z, as the exporter writes it.
    StartTimeUnix: storableNanos(point.startTimeUnixNano, shared.clamped),
    TimeUnix: time,
    Flags: uint32(point.flags),
  };
}

function exemplarColumns(exemplars: Exemplar[] | undefined, pointTime: string, shared: Shared) {
  const list = arrayOf(exemplars);
  const out = {
    "Exemplars.FilteredAttributes": new Array<Record<string, string>>(list.length),
    "Exemplars.TimeUnix": new Array<string>(list.length),
    "Exemplars.Value": new Array<number>(list.length),
    "Exemplars.SpanId": new Array<string>(list.length),
    "Exemplars.TraceId": new Array<string>(list.length),
  };
  for (let i = 0; i < list.length; i++) {
    const exemplar = list[i] ?? {};
    out["Exemplars.FilteredAttributes"][i] = attributeMap(exemplar.filteredAttributes, shared.limits, shared.stats);
    // An exemplar without a time gets its point's time.
    const time = nanosString(exemplar.timeUnixNano);
    out["Exemplars.TimeUnix"][i] = time === "0" ? pointTime : storableNanos(time, shared.clamped);
    out["Exemplars.Value"][i] = exemplar.asDouble !== undefined && exemplar.asDouble !== null ? float(exemplar.asDouble) : float(exemplar.asInt);
    out["Exemplars.SpanId"][i] = idToHex(exemplar.spanId, 8, shared.invalidId);
    out["Exemplars.TraceId"][i] = idToHex(exemplar.traceId, 16, shared.invalidId);
  }
  return out;
}

function numberValue(point: NumberDataPoint): number {
  return point.asDouble !== undefined && point.asDouble !== null ? float(point.asDouble) : float(point.asInt);
}

function addMetric(metric: Metric, common: Common, rows: MetricRows, shared: Shared): void {
  let known = false;
  if (metric.gauge) {
    known = true;
    for (const p of arrayOf(metric.gauge.dataPoints)) {
      if (!p) continue;
      const point = pointColumns(p, shared);
      const row: GaugeRow = { ...common, ...point, ...exemplarColumns(p.exemplars, point.TimeUnix, shared), Value: numberValue(p) };
      rows.otel_metrics_gauge.push(row);
    }
  }
  if (metric.sum) {
    known = true;
    const temporality = int(metric.sum.aggregationTemporality);
    const monotonic = metric.sum.isMonotonic === true;
    for (const p of arrayOf(metric.sum.dataPoints)) {
      if (!p) continue;
      const point = pointColumns(p, shared);
      const row: SumRow = { ...common, ...point, ...exemplarColumns(p.exemplars, point.TimeUnix, shared), Value: numberValue(p), AggregationTemporality: temporality, IsMonotonic: monotonic };
      rows.otel_metrics_sum.push(row);
    }
  }
  if (metric.histogram) {
    known = true;
    const temporality = int(metric.histogram.aggregationTemporality);
    for (const p of arrayOf(metric.histogram.dataPoints)) {
      if (!p) continue;
      const point = pointColumns(p, shared);
      const row: HistogramRow = {
        ...common,
        ...point,
        ...exemplarColumns(p.exemplars, point.TimeUnix, shared),
        Count: uint64String(p.count),
        Sum: float(p.sum),
        BucketCounts: arrayOf(p.bucketCounts).map(uint64String),
        ExplicitBounds: arrayOf(p.explicitBounds).map(float),
        Min: float(p.min),
        Max: float(p.max),
        AggregationTemporality: temporality,
      };
      rows.otel_metrics_histogram.push(row);
    }
  }
  if (metric.exponentialHistogram) {
    known = true;
    const temporality = int(metric.exponentialHistogram.aggregationTemporality);
    for (const p of arrayOf(metric.exponentialHistogram.dataPoints)) {
      if (!p) continue;
      const point = pointColumns(p, shared);
      const row: ExponentialHistogramRow = {
        ...common,
        ...point,
        ...exemplarColumns(p.exemplars, point.TimeUnix, shared),
        Count: uint64String(p.count),
        Sum: float(p.sum),
        Scale: int(p.scale),
        ZeroCount: uint64String(p.zeroCount),
        PositiveOffset: int(p.positive?.offset),
        PositiveBucketCounts: arrayOf(p.positive?.bucketCounts).map(uint64String),
        NegativeOffset: int(p.negative?.offset),
        NegativeBucketCounts: arrayOf(p.negative?.bucketCounts).map(uint64String),
        Min: float(p.min),
        Max: float(p.max),
        AggregationTemporality: temporality,
      };
      rows.otel_metrics_exponential_histogram.push(row);
    }
  }
  if (metric.summary) {
    known = true;
    for (const p of arrayOf(metric.summary.dataPoints)) {
      if (!p) continue;
      const quantiles = arrayOf(p.quantileValues);
      const row: SummaryRow = {
        ...common,
        ...pointColumns(p, shared),
        Count: uint64String(p.count),
        Sum: float(p.sum),
        "ValueAtQuantiles.Quantile": quantiles.map((q) => float(q?.quantile)),
        "ValueAtQuantiles.Value": quantiles.map((q) => float(q?.value)),
      };
      rows.otel_metrics_summary.push(row);
    }
  }
  if (!known && shared.stats) shared.stats.unknownMetricTypes++;
}

export function emptyMetricRows(): MetricRows {
  return { otel_metrics_gauge: [], otel_metrics_sum: [], otel_metrics_histogram: [], otel_metrics_exponential_histogram: [], otel_metrics_summary: [] };
}

/** Rows per metrics table. Never throws on a request of the decoded OTLP shape. */
export function normalizeMetrics(req: ExportMetricsServiceRequest, ctx: NormalizeContext): MetricRows {
  const rows = emptyMetricRows();
  const limits = ctx.limits ?? DEFAULT_LIMITS;
  const shared: Shared = {
    ctx,
    limits,
    window: timeWindow(ctx.nowNanos),
    stats: ctx.stats,
    invalidId: () => {
      if (ctx.stats) ctx.stats.invalidIds++;
    },
    clamped: () => {
      if (ctx.stats) ctx.stats.clampedValues++;
    },
  };
  for (const resourceMetrics of arrayOf(req?.resourceMetrics)) {
    if (!resourceMetrics) continue;
    const resource: ResourceInfo = resourceInfo(resourceMetrics.resource, ctx, limits);
    const resourceSchemaUrl = textField(resourceMetrics.schemaUrl);
    for (const scopeMetrics of arrayOf(resourceMetrics.scopeMetrics)) {
      if (!scopeMetrics) continue;
      const scope = scopeMetrics.scope;
      const scopeCommon = {
        ResourceAttributes: resource.attributes,
        ResourceSchemaUrl: resourceSchemaUrl,
        ScopeName: textField(scope?.name),
        ScopeVersion: textField(scope?.version),
        ScopeAttributes: attributeMap(scope?.attributes, limits, ctx.stats),
        ScopeDroppedAttrCount: uint32(scope?.droppedAttributesCount),
        ScopeSchemaUrl: textField(scopeMetrics.schemaUrl),
        ServiceName: resource.serviceName,
        SourceLanguage: resource.language,
        Tenant: ctx.tenant,
        IngestedAt: ctx.ingestedAt,
      };
      for (const metric of arrayOf(scopeMetrics.metrics)) {
        if (!metric || typeof metric !== "object") continue;
        const common: Common = {
          ...scopeCommon,
          MetricName: textField(metric.name),
          MetricDescription: textField(metric.description),
          MetricUnit: textField(metric.unit),
        };
        addMetric(metric, common, rows, shared);
      }
    }
  }
  return rows;
}
