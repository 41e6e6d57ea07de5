// Canonical rows: what the normalizer produces and the store inserts, one schema per ClickHouse
// table. Field names are the column names (the OpenTelemetry Collector ClickHouse exporter's, plus
// Braid's own), so a row is inserted as-is with JSONEachRow and one name means one thing from
// ingest to the API. Nested columns use ClickHouse's flattened "Parent.Child" array names.
import { z } from "zod";

/** The last instant DateTime64(9) holds (2262-04-11T23:47:16.854775807Z), in nanoseconds. */
export const MAX_STORABLE_NANOS = "9223372036854775807";

/**
 * Nanoseconds since the Unix epoch as a decimal string (exact, whatever the language reading it),
 * from 0 (1970-01-01, e.g. an absent gauge start time) to MAX_STORABLE_NANOS. The store writes it
 * to ClickHouse as UTC date-time text (store/row-encoding.ts), never as a bare number.
 */
export const UnixNanos = z
  .string()
  .regex(/^(0|[1-9]\d{0,18})$/, "nanoseconds since the Unix epoch, as a decimal string without leading zeros")
  .refine((value) => value.length < 19 || value <= MAX_STORABLE_NANOS, `at most ${MAX_STORABLE_NANOS} (the last instant DateTime64(9) holds)`);
/** Lowercase hex of 16 bytes (trace) or 8 bytes (span); empty when absent. */
export const TraceIdHex = z.string().regex(/^([0-9a-f]{32})?$/, "32 lowercase hex characters or empty");
export const SpanIdHex = z.string().regex(/^([0-9a-f]{16})?$/, "16 lowercase hex characters or empty");
export const AttributeMap = z.record(z.string(), z.string());
/** A Float64 column value: any double, NaN and ±Infinity included (OTLP allows them; Float64 holds them). */
export const Float64 = z
  .custom<number>((value) => typeof value === "number", "expected a number (NaN and ±Infinity allowed)")
  .meta({
    anyOf: [{ type: "number" }, { enum: ["nan", "inf", "-inf"] }],
    description: 'a double; NaN and ±Infinity are written "nan", "inf", "-inf" in JSON, as ClickHouse reads them',
  });

/** Source language values written to SourceLanguage. `unknown` when nothing tells. */
export const SourceLanguage = z.enum(["go", "rust", "java", "python", "nodejs", "dotnet", "cpp", "ruby", "php", "erlang", "swift", "webjs", "unknown"]);

/** Braid's columns on every signal's table. */
const braidColumns = {
  SourceLanguage: z.string(),
  Tenant: z.string(),
  IngestedAt: z.string().describe("ISO-8601 time the row was normalized"),
};

/** The glossary match of an error-bearing span or log record; empty strings when there is no error. */
const errorColumns = {
  ErrorCode: z.string().describe("Shared error glossary code, e.g. UNAVAILABLE.CONNECTION_REFUSED; '' when no error"),
  ErrorRetryable: z.boolean(),
  ErrorFingerprint: z.string().describe("Stable hash of the error message with variable parts removed"),
  ErrorMessage: z.string().describe("The error text the glossary matched against"),
};

export const TraceRow = z.object({
  Timestamp: UnixNanos,
  TraceId: TraceIdHex,
  SpanId: SpanIdHex,
  ParentSpanId: SpanIdHex,
  TraceState: z.string(),
  SpanName: z.string(),
  SpanKind: z.enum(["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"]),
  ServiceName: z.string().min(1),
  ResourceAttributes: AttributeMap,
  ScopeName: z.string(),
  ScopeVersion: z.string(),
  SpanAttributes: AttributeMap,
  Duration: z.string().regex(/^\d+$/).describe("Nanoseconds, as a decimal string (UInt64)"),
  StatusCode: z.enum(["Unset", "Ok", "Error"]),
  StatusMessage: z.string(),
  "Events.Timestamp": z.array(UnixNanos),
  "Events.Name": z.array(z.string()),
  "Events.Attributes": z.array(AttributeMap),
  "Links.TraceId": z.array(z.string()),
  "Links.SpanId": z.array(z.string()),
  "Links.TraceState": z.array(z.string()),
  "Links.Attributes": z.array(AttributeMap),
  ...errorColumns,
  ...braidColumns,
});
export type TraceRow = z.infer<typeof TraceRow>;

export const LogRow = z.object({
  Timestamp: UnixNanos,
  TraceId: TraceIdHex,
  SpanId: SpanIdHex,
  TraceFlags: z.number().int().min(0).max(255),
  SeverityText: z.string(),
  SeverityNumber: z.number().int().min(0).max(24),
  ServiceName: z.string().min(1),
  Body: z.string(),
  ResourceSchemaUrl: z.string(),
  ResourceAttributes: AttributeMap,
  ScopeSchemaUrl: z.string(),
  ScopeName: z.string(),
  ScopeVersion: z.string(),
  ScopeAttributes: AttributeMap,
  LogAttributes: AttributeMap,
  EventName: z.string(),
  LogFormat: z.string().describe("otlp, zap, zerolog, slog, tracing-subscriber, slog-rs, env_logger, json (other JSON) or plain"),
  ...errorColumns,
  ...braidColumns,
});
export type LogRow = z.infer<typeof LogRow>;

const metricCommon = {
  ResourceAttributes: AttributeMap,
  ResourceSchemaUrl: z.string(),
  ScopeName: z.string(),
  ScopeVersion: z.string(),
  ScopeAttributes: AttributeMap,
  ScopeDroppedAttrCount: z.number().int().nonnegative(),
  ScopeSchemaUrl: z.string(),
  ServiceName: z.string().min(1),
  MetricName: z.string(),
  MetricDescription: z.string(),
  MetricUnit: z.string(),
  Attributes: AttributeMap,
  StartTimeUnix: UnixNanos,
  TimeUnix: UnixNanos,
  Flags: z.number().int().nonnegative(),
  ...braidColumns,
};
const exemplarColumns = {
  "Exemplars.FilteredAttributes": z.array(AttributeMap),
  "Exemplars.TimeUnix": z.array(UnixNanos),
  "Exemplars.Value": z.array(Float64),
  "Exemplars.SpanId": z.array(z.string()),
  "Exemplars.TraceId": z.array(z.string()),
};
const UInt64String = z.string().regex(/^\d+$/);

export const GaugeRow = z.object({ ...metricCommon, ...exemplarColumns, Value: Float64 });
export const SumRow = z.object({
  ...metricCommon,
  ...exemplarColumns,
  Value: Float64,
  AggregationTemporality: z.number().int(),
  IsMonotonic: z.boolean(),
});
export const HistogramRow = z.object({
  ...metricCommon,
  ...exemplarColumns,
  Count: UInt64String,
  Sum: Float64,
  BucketCounts: z.array(UInt64String),
  ExplicitBounds: z.array(Float64),
  Min: Float64,
  Max: Float64,
  AggregationTemporality: z.number().int(),
});
export const ExponentialHistogramRow = z.object({
  ...metricCommon,
  ...exemplarColumns,
  Count: UInt64String,
  Sum: Float64,
  Scale: z.number().int(),
  ZeroCount: UInt64String,
  PositiveOffset: z.number().int(),
  PositiveBucketCounts: z.array(UInt64String),
  NegativeOffset: z.number().int(),
  NegativeBucketCounts: z.array(UInt64String),
  Min: Float64,
  Max: Float64,
  AggregationTemporality: z.number().int(),
});
export const SummaryRow = z.object({
  ...metricCommon,
  Count: UInt64String,
  Sum: Float64,
  "ValueAtQuantiles.Quantile": z.array(Float64),
  "ValueAtQuantiles.Value": z.array(Float64),
});
export type GaugeRow = z.infer<typeof GaugeRow>;
export type SumRow = z.infer<typeof SumRow>;
export type HistogramRow = z.infer<typeof HistogramRow>;
export type ExponentialHistogramRow = z.infer<typeof ExponentialHistogramRow>;
export type SummaryRow = z.infer<typeof SummaryRow>;

/** Metric rows grouped by their exporter-layout table. */
export interface MetricRows {
  otel_metrics_gauge: GaugeRow[];
  otel_metrics_sum: SumRow[];
  otel_metrics_histogram: HistogramRow[];
  otel_metrics_exponential_histogram: ExponentialHistogramRow[];
  otel_metrics_summary: SummaryRow[];
}

/** One change event (schemas/changes.ts) as stored in braid_changes. */
export const ChangeRow = z.object({
  ChangeId: z.string().min(1),
  At: UnixNanos.describe("when the change took effect"),
  Service: z.string(),
  Kind: z.string(),
  Version: z.string(),
  PreviousVersion: z.string(),
  Description: z.string(),
  Author: z.string(),
  Source: z.string(),
  Url: z.string(),
  Attributes: AttributeMap,
  Tenant: z.string(),
  IngestedAt: z.string().describe("ISO-8601 time the row was normalized"),
});
export type ChangeRow = z.infer<typeof ChangeRow>;

/** Which table each canonical row schema is stored in. */
export const rowSchemasByTable = {
  otel_traces: TraceRow,
  otel_logs: LogRow,
  otel_metrics_gauge: GaugeRow,
  otel_metrics_sum: SumRow,
  otel_metrics_histogram: HistogramRow,
  otel_metrics_exponential_histogram: ExponentialHistogramRow,
  otel_metrics_summary: SummaryRow,
  braid_changes: ChangeRow,
} as const;
export type SignalTable = keyof typeof rowSchemasByTable;

/**
 * The columns of each signal table whose canonical value is not written to ClickHouse as-is:
 * times (UnixNanos) and floats that may be NaN or ±Infinity (which JSON cannot carry). The store's
 * row encoding (store/row-encoding.ts) converts exactly these; every other column is inserted as
 * the normalizer produced it.
 */
export interface EncodedColumns {
  times: readonly string[];
  timeArrays: readonly string[];
  floats: readonly string[];
  floatArrays: readonly string[];
}

const metricTimes = ["StartTimeUnix", "TimeUnix"];
const exemplarTimes = ["Exemplars.TimeUnix"];
const exemplarValues = ["Exemplars.Value"];

export const encodedColumnsByTable: Record<SignalTable, EncodedColumns> = {
  otel_traces: { times: ["Timestamp"], timeArrays: ["Events.Timestamp"], floats: [], floatArrays: [] },
  otel_logs: { times: ["Timestamp"], timeArrays: [], floats: [], floatArrays: [] },
  otel_metrics_gauge: { times: metricTimes, timeArrays: exemplarTimes, floats: ["Value"], floatArrays: exemplarValues },
  otel_metrics_sum: { times: metricTimes, timeArrays: exemplarTimes, floats: ["Value"], floatArrays: exemplarValues },
  otel_metrics_histogram: { times: metricTimes, timeArrays: exemplarTimes, floats: ["Sum", "Min", "Max"], floatArrays: ["ExplicitBounds", ...exemplarValues] },
  otel_metrics_exponential_histogram: { times: metricTimes, timeArrays: exemplarTimes, floats: ["Sum", "Min", "Max"], floatArrays: exemplarValues },
  otel_metrics_summary: { times: metricTimes, timeArrays: [], floats: ["Sum"], floatArrays: ["ValueAtQuantiles.Quantile", "ValueAtQuantiles.Value"] },
  braid_changes: { times: ["At"], timeArrays: [], floats: [], floatArrays: [] },
};
