// The decoded OTLP shape shared by every decoder (protobuf and JSON) and the normalizer: what
// protobufjs' toObject({ longs: String, enums: Number }) yields for the official protos. Ids are
// bytes (Uint8Array), 64-bit integers are decimal strings, enums are numbers, absent fields are
// undefined. Only the fields Braid reads are typed; the rest pass through untyped.

export type Int64 = string | number;
export type Bytes = Uint8Array;

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: Bytes;
}

export interface KeyValue {
  key: string;
  value?: AnyValue;
}

export interface Resource {
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface InstrumentationScope {
  name?: string;
  version?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

// --- traces -------------------------------------------------------------------------------

/** Span.SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
export type SpanKindNumber = 0 | 1 | 2 | 3 | 4 | 5;
/** Status.StatusCode: 0 unset, 1 ok, 2 error. */
export type StatusCodeNumber = 0 | 1 | 2;

export interface SpanEvent {
  timeUnixNano?: Int64;
  name?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface SpanLink {
  traceId?: Bytes;
  spanId?: Bytes;
  traceState?: string;
  attributes?: KeyValue[];
  flags?: number;
}

export interface Span {
  traceId?: Bytes;
  spanId?: Bytes;
  traceState?: string;
  parentSpanId?: Bytes;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  events?: SpanEvent[];
  droppedEventsCount?: number;
  links?: SpanLink[];
  droppedLinksCount?: number;
  status?: { message?: string; code?: number };
}

export interface ScopeSpans {
  scope?: InstrumentationScope;
  spans?: Span[];
  schemaUrl?: string;
}

export interface ResourceSpans {
  resource?: Resource;
  scopeSpans?: ScopeSpans[];
  schemaUrl?: string;
}

export interface ExportTraceServiceRequest {
  resourceSpans?: ResourceSpans[];
}

// --- logs ---------------------------------------------------------------------------------

export interface LogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: Bytes;
  spanId?: Bytes;
  eventName?: string;
}

export interface ScopeLogs {
  scope?: InstrumentationScope;
  logRecords?: LogRecord[];
  schemaUrl?: string;
}

export interface ResourceLogs {
  resource?: Resource;
  scopeLogs?: ScopeLogs[];
  schemaUrl?: string;
}

export interface ExportLogsServiceRequest {
  resourceLogs?: ResourceLogs[];
}

// --- metrics ------------------------------------------------------------------------------

export interface Exemplar {
  filteredAttributes?: KeyValue[];
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
  spanId?: Bytes;
  traceId?: Bytes;
}

export interface NumberDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
  exemplars?: Exemplar[];
  flags?: number;
}

export interface HistogramDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
  bucketCounts?: Int64[];
  explicitBounds?: number[];
  exemplars?: Exemplar[];
  flags?: number;
  min?: number;
  max?: number;
}

export interface ExponentialHistogramBuckets {
  offset?: number;
  bucketCounts?: Int64[];
}

export interface ExponentialHistogramDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
  scale?: number;
  zeroCount?: Int64;
  positive?: ExponentialHistogramBuckets;
  negative?: ExponentialHistogramBuckets;
  flags?: number;
  exemplars?: Exemplar[];
  min?: number;
  max?: number;
  zeroThreshold?: number;
}

export interface SummaryDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
  quantileValues?: { quantile?: number; value?: number }[];
  flags?: number;
}

/** AggregationTemporality: 0 unspecified, 1 delta, 2 cumulative. */
export interface Metric {
  name?: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: NumberDataPoint[] };
  sum?: { dataPoints?: NumberDataPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  histogram?: { dataPoints?: HistogramDataPoint[]; aggregationTemporality?: number };
  exponentialHistogram?: { dataPoints?: ExponentialHistogramDataPoint[]; aggregationTemporality?: number };
  summary?: { dataPoints?: SummaryDataPoint[] };
  metadata?: KeyValue[];
}

export interface ScopeMetrics {
  scope?: InstrumentationScope;
  metrics?: Metric[];
  schemaUrl?: string;
}

export interface ResourceMetrics {
  resource?: Resource;
  scopeMetrics?: ScopeMetrics[];
  schemaUrl?: string;
}

export interface ExportMetricsServiceRequest {
  resourceMetrics?: ResourceMetrics[];
}
