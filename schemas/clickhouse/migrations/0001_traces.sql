-- braid:layout exporter-v0.150
-- (The exporter layout of v0.150 for traces. Databases created from Braid 0.2 on get 0005 instead.)
-- Spans, in the OpenTelemetry Collector ClickHouse exporter's layout (exporter/clickhouseexporter
-- traces_table.sql), so Grafana's ClickHouse data source in OTel mode reads them unchanged.
-- Braid adds columns after the exporter's, never renames. `{{db}}` is the configured database.
-- non_replicated_deduplication_window lets ingest replays with the same insert_deduplication_token
-- be dropped (see README "No duplicates as queried").
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces (
  Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
  TraceId String CODEC(ZSTD(1)),
  SpanId String CODEC(ZSTD(1)),
  ParentSpanId String CODEC(ZSTD(1)),
  TraceState String CODEC(ZSTD(1)),
  SpanName LowCardinality(String) CODEC(ZSTD(1)),
  SpanKind LowCardinality(String) CODEC(ZSTD(1)),
  ServiceName LowCardinality(String) CODEC(ZSTD(1)),
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeName String CODEC(ZSTD(1)),
  ScopeVersion String CODEC(ZSTD(1)),
  SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  Duration UInt64 CODEC(T64, ZSTD(1)),
  StatusCode LowCardinality(String) CODEC(ZSTD(1)),
  StatusMessage String CODEC(ZSTD(1)),
  Events Nested (
    Timestamp DateTime64(9),
    Name LowCardinality(String),
    Attributes Map(LowCardinality(String), String)
  ) CODEC(ZSTD(1)),
  Links Nested (
    TraceId String,
    SpanId String,
    TraceState String,
    Attributes Map(LowCardinality(String), String)
  ) CODEC(ZSTD(1)),
  ErrorCode LowCardinality(String) CODEC(ZSTD(1)),
  ErrorRetryable Bool,
  ErrorFingerprint String CODEC(ZSTD(1)),
  ErrorMessage String CODEC(ZSTD(1)),
  SourceLanguage LowCardinality(String),
  Tenant LowCardinality(String),
  IngestedAt DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(1)),
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
  INDEX idx_error_code ErrorCode TYPE set(256) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

-- Trace-id lookup: first/last time of each trace, so a trace is read from only the days it spans.
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces_trace_id_ts (
  TraceId String CODEC(ZSTD(1)),
  Start SimpleAggregateFunction(min, DateTime) CODEC(Delta, ZSTD(1)),
  End SimpleAggregateFunction(max, DateTime) CODEC(Delta, ZSTD(1)),
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = AggregatingMergeTree
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
SETTINGS index_granularity = 8192;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.otel_traces_trace_id_ts_mv
TO {{db}}.otel_traces_trace_id_ts
AS SELECT
  TraceId,
  min(toDateTime(Timestamp)) AS Start,
  max(toDateTime(Timestamp)) AS End
FROM {{db}}.otel_traces
WHERE TraceId != ''
GROUP BY TraceId;
