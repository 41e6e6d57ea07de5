-- braid:layout exporter-v0.165.1
-- Metric points, one table per OTLP metric type, in the exporter's otel_metrics_* layout as of
-- v0.165.1 (metrics_*_table.sql): StartTimeUnix and TimeUnix (and exemplar times) as DateTime,
-- i.e. to the second, MetricName LowCardinality, ordered by service, metric, hour, a hash of the
-- attributes and time, idx_time_minmax, ZSTD(3). Braid's columns and dedup window as in 0003.

CREATE TABLE IF NOT EXISTS {{db}}.otel_metrics_gauge (
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ResourceSchemaUrl String CODEC(ZSTD(3)),
  ScopeName String CODEC(ZSTD(3)),
  ScopeVersion String CODEC(ZSTD(3)),
  ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ScopeDroppedAttrCount UInt32 CODEC(ZSTD(3)),
  ScopeSchemaUrl String CODEC(ZSTD(3)),
  ServiceName LowCardinality(String) CODEC(ZSTD(3)),
  MetricName LowCardinality(String) CODEC(ZSTD(3)),
  MetricDescription String CODEC(ZSTD(3)),
  MetricUnit String CODEC(ZSTD(3)),
  Attributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  StartTimeUnix DateTime CODEC(Delta, ZSTD(3)),
  TimeUnix DateTime CODEC(Delta, ZSTD(3)),
  Value Float64 CODEC(ZSTD(3)),
  Flags UInt32 CODEC(ZSTD(3)),
  Exemplars Nested (
    FilteredAttributes Map(LowCardinality(String), String),
    TimeUnix DateTime,
    Value Float64,
    SpanId String,
    TraceId String
  ) CODEC(ZSTD(3)),
  SourceLanguage LowCardinality(String),
  Tenant LowCardinality(String),
  IngestedAt DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(3)),
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS {{db}}.otel_metrics_sum (
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ResourceSchemaUrl String CODEC(ZSTD(3)),
  ScopeName String CODEC(ZSTD(3)),
  ScopeVersion String CODEC(ZSTD(3)),
  ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ScopeDroppedAttrCount UInt32 CODEC(ZSTD(3)),
  ScopeSchemaUrl String CODEC(ZSTD(3)),
  ServiceName LowCardinality(String) CODEC(ZSTD(3)),
  MetricName LowCardinality(String) CODEC(ZSTD(3)),
  MetricDescription String CODEC(ZSTD(3)),
  MetricUnit String CODEC(ZSTD(3)),
  Attributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  StartTimeUnix DateTime CODEC(Delta, ZSTD(3)),
  TimeUnix DateTime CODEC(Delta, ZSTD(3)),
  Value Float64 CODEC(ZSTD(3)),
  Flags UInt32 CODEC(ZSTD(3)),
  Exemplars Nested (
    FilteredAttributes Map(LowCardinality(String), String),
    TimeUnix DateTime,
    Value Float64,
    SpanId String,
    TraceId String
  ) CODEC(ZSTD(3)),
  AggregationTemporality Int32 CODEC(ZSTD(3)),
  IsMonotonic Bool CODEC(Delta, ZSTD(3)),
  SourceLanguage LowCardinality(String),
  Tenant LowCardinality(String),
  IngestedAt DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(3)),
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS {{db}}.otel_metrics_histogram (
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ResourceSchemaUrl String CODEC(ZSTD(3)),
  ScopeName String CODEC(ZSTD(3)),
  ScopeVersion String CODEC(ZSTD(3)),
  ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ScopeDroppedAttrCount UInt32 CODEC(ZSTD(3)),
  ScopeSchemaUrl String CODEC(ZSTD(3)),
  ServiceName LowCardinality(String) CODEC(ZSTD(3)),
  MetricName LowCardinality(String) CODEC(ZSTD(3)),
  MetricDescription String CODEC(ZSTD(3)),
  MetricUnit String CODEC(ZSTD(3)),
  Attributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  StartTimeUnix DateTime CODEC(Delta, ZSTD(3)),
  TimeUnix DateTime CODEC(Delta, ZSTD(3)),
  Count UInt64 CODEC(Delta, ZSTD(3)),
  Sum Float64 CODEC(ZSTD(3)),
  BucketCounts Array(UInt64) CODEC(ZSTD(3)),
  ExplicitBounds Array(Float64) CODEC(ZSTD(3)),
  Exemplars Nested (
    FilteredAttributes Map(LowCardinality(String), String),
    TimeUnix DateTime,
    Value Float64,
    SpanId String,
    TraceId String
  ) CODEC(ZSTD(3)),
  Flags UInt32 CODEC(ZSTD(3)),
  Min Float64 CODEC(ZSTD(3)),
  Max Float64 CODEC(ZSTD(3)),
  AggregationTemporality Int32 CODEC(ZSTD(3)),
  SourceLanguage LowCardinality(String),
  Tenant LowCardinality(String),
  IngestedAt DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(3)),
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS {{db}}.otel_metrics_exponential_histogram (
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ResourceSchemaUrl String CODEC(ZSTD(3)),
  ScopeName String CODEC(ZSTD(3)),
  ScopeVersion String CODEC(ZSTD(3)),
  ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ScopeDroppedAttrCount UInt32 CODEC(ZSTD(3)),
  ScopeSchemaUrl String CODEC(ZSTD(3)),
  ServiceName LowCardinality(String) CODEC(ZSTD(3)),
  MetricName LowCardinality(String) CODEC(ZSTD(3)),
  MetricDescription String CODEC(ZSTD(3)),
  MetricUnit String CODEC(ZSTD(3)),
  Attributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  StartTimeUnix DateTime CODEC(Delta, ZSTD(3)),
  TimeUnix DateTime CODEC(Delta, ZSTD(3)),
  Count UInt64 CODEC(Delta, ZSTD(3)),
  Sum Float64 CODEC(ZSTD(3)),
  Scale Int32 CODEC(ZSTD(3)),
  ZeroCount UInt64 CODEC(ZSTD(3)),
  PositiveOffset Int32 CODEC(ZSTD(3)),
  PositiveBucketCounts Array(UInt64) CODEC(ZSTD(3)),
  NegativeOffset Int32 CODEC(ZSTD(3)),
  NegativeBucketCounts Array(UInt64) CODEC(ZSTD(3)),
  Exemplars Nested (
    FilteredAttributes Map(LowCardinality(String), String),
    TimeUnix DateTime,
    Value Float64,
    SpanId String,
    TraceId String
  ) CODEC(ZSTD(3)),
  Flags UInt32 CODEC(ZSTD(3)),
  Min Float64 CODEC(ZSTD(3)),
  Max Float64 CODEC(ZSTD(3)),
  AggregationTemporality Int32 CODEC(ZSTD(3)),
  SourceLanguage LowCardinality(String),
  Tenant LowCardinality(String),
  IngestedAt DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(3)),
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS {{db}}.otel_metrics_summary (
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ResourceSchemaUrl String CODEC(ZSTD(3)),
  ScopeName String CODEC(ZSTD(3)),
  ScopeVersion String CODEC(ZSTD(3)),
  ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  ScopeDroppedAttrCount UInt32 CODEC(ZSTD(3)),
  ScopeSchemaUrl String CODEC(ZSTD(3)),
  ServiceName LowCardinality(String) CODEC(ZSTD(3)),
  MetricName LowCardinality(String) CODEC(ZSTD(3)),
  MetricDescription String CODEC(ZSTD(3)),
  MetricUnit String CODEC(ZSTD(3)),
  Attributes Map(LowCardinality(String), String) CODEC(ZSTD(3)),
  StartTimeUnix DateTime CODEC(Delta, ZSTD(3)),
  TimeUnix DateTime CODEC(Delta, ZSTD(3)),
  Count UInt64 CODEC(Delta, ZSTD(3)),
  Sum Float64 CODEC(ZSTD(3)),
  ValueAtQuantiles Nested (
    Quantile Float64,
    Value Float64
  ) CODEC(ZSTD(3)),
  Flags UInt32 CODEC(ZSTD(3)),
  SourceLanguage LowCardinality(String),
  Tenant LowCardinality(String),
  IngestedAt DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(3)),
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;
