-- braid:layout exporter-v0.165.1
-- Spans in the OpenTelemetry Collector ClickHouse exporter's layout as of v0.165.1
-- (exporter/clickhouseexporter/internal/sqltemplates/traces_table.sql), for databases created
-- from Braid 0.2 on; databases created earlier keep the v0.150 layout of 0001 until
-- `npm run store:upgrade-layout` moves them (store/layout-upgrade.ts). The layout files 0005-0007
-- are numbered before the correlator's views (0010), which read otel_traces. Compared with 0001:
-- ZSTD(3), an explicit PRIMARY KEY, the exporter's ResourceAttributeItems/SpanAttributeItems
-- alias columns and idx_lower_span_name. Braid's columns and dedup window are the same.
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces (
  Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(3)),
  TraceId String CODEC(ZSTD(3)),
  SpanId String CODEC(ZSTD(3)),
  ParentSpanId String CODEC(ZSTD(3)),
  TraceState String CODEC(ZSTD(3)),
  SpanName LowCardinality(String) CODEC(ZSTD(3)),
  SpanKind LowCardinality(String) CODEC(ZSTD(3)),
  ServiceName LowCardinality(String) CODEC(ZSTD(3)),
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ScopeName String CODEC(ZSTD(3)),
  ScopeVersion String CODEC(ZSTD(3)),
  SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  Duration UInt64 CODEC(T64, ZSTD(3)),
  StatusCode LowCardinality(String) CODEC(ZSTD(3)),
  StatusMessage String CODEC(ZSTD(3)),
  Events Nested (
    Timestamp DateTime64(9),
    Name LowCardinality(String),
    Attributes Map(LowCardinality(String), String)
  ) CODEC(ZSTD(3)),
  Links Nested (
    TraceId String,
    SpanId String,
    TraceState String,
    Attributes Map(LowCardinality(String), String)
  ) CODEC(ZSTD(3)),
  ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
  SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
  ErrorCode LowCardinality(String) CODEC(ZSTD(3)),
  ErrorRetryable Bool,
  ErrorFingerprint String CODEC(ZSTD(3)),
  ErrorMessage String CODEC(ZSTD(3)),
  SourceLanguage LowCardinality(String),
  Tenant LowCardinality(String),
  IngestedAt DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(3)),
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
  INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8,
  INDEX idx_error_code ErrorCode TYPE set(256) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

-- The trace-id lookup table and its view are the same in both layouts (see 0001).
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces_trace_id_ts (
  TraceId String CODEC(ZSTD(3)),
  Start SimpleAggregateFunction(min, DateTime) CODEC(Delta, ZSTD(3)),
  End SimpleAggregateFunction(max, DateTime) CODEC(Delta, ZSTD(3)),
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
