-- braid:layout exporter-v0.165.1
-- Log records (OTLP logs and raw Go/Rust lines) in the exporter's otel_logs layout as of v0.165.1
-- (logs_table.sql, the branch for ClickHouse without full-text indexes): keyed and partitioned on
-- Timestamp (no stored TimestampTime), the __otel_materialized_* resource columns, idx_lower_body,
-- idx_event_name, ZSTD(3). One addition: TimestampTime as an ALIAS of toDateTime(Timestamp), the
-- workaround of contrib#48770, so queries and Grafana dashboards written for the v0.150 layout
-- (plugin schema 1.2.9) keep working on both layouts and still prune partitions; an alias
-- occupies no storage and is never inserted.
CREATE TABLE IF NOT EXISTS {{db}}.otel_logs (
  Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(3)),
  TraceId String CODEC(ZSTD(3)),
  SpanId String CODEC(ZSTD(3)),
  TraceFlags UInt8,
  SeverityText LowCardinality(String) CODEC(ZSTD(3)),
  SeverityNumber UInt8,
  ServiceName LowCardinality(String) CODEC(ZSTD(3)),
  Body String CODEC(ZSTD(3)),
  ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(3)),
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(3)),
  ScopeName String CODEC(ZSTD(3)),
  ScopeVersion LowCardinality(String) CODEC(ZSTD(3)),
  ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  EventName String CODEC(ZSTD(3)),
  `__otel_materialized_k8s.cluster.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.cluster.name'] CODEC(ZSTD(3)),
  `__otel_materialized_k8s.container.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.container.name'] CODEC(ZSTD(3)),
  `__otel_materialized_k8s.deployment.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.deployment.name'] CODEC(ZSTD(3)),
  `__otel_materialized_k8s.namespace.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.namespace.name'] CODEC(ZSTD(3)),
  `__otel_materialized_k8s.node.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.node.name'] CODEC(ZSTD(3)),
  `__otel_materialized_k8s.pod.name` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.pod.name'] CODEC(ZSTD(3)),
  `__otel_materialized_k8s.pod.uid` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.pod.uid'] CODEC(ZSTD(3)),
  `__otel_materialized_deployment.environment.name` LowCardinality(String) MATERIALIZED ResourceAttributes['deployment.environment.name'] CODEC(ZSTD(3)),
  TimestampTime DateTime ALIAS toDateTime(Timestamp),
  ErrorCode LowCardinality(String) CODEC(ZSTD(3)),
  ErrorRetryable Bool,
  ErrorFingerprint String CODEC(ZSTD(3)),
  ErrorMessage String CODEC(ZSTD(3)),
  SourceLanguage LowCardinality(String),
  LogFormat LowCardinality(String),
  Tenant LowCardinality(String),
  IngestedAt DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(3)),
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_lower_body lower(Body) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8,
  INDEX idx_event_name EventName TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_error_code ErrorCode TYPE set(256) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;
