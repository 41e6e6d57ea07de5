-- Correlator tables. RED series per node (a service, or a database/peer seen from client spans)
-- and operation, in 10-second buckets, maintained on insert by a materialized view: a block that
-- ingest's deduplication drops is not pushed to the view either, so replays do not double-count.
CREATE TABLE IF NOT EXISTS {{db}}.braid_red_10s (
  Tenant LowCardinality(String),
  Node LowCardinality(String),
  NodeType LowCardinality(String),
  Operation LowCardinality(String),
  SourceLanguage LowCardinality(String),
  Bucket DateTime,
  Calls SimpleAggregateFunction(sum, UInt64),
  Errors SimpleAggregateFunction(sum, UInt64),
  DurationSum SimpleAggregateFunction(sum, UInt64),
  DurationQuantiles AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt64),
  ErrorCodes SimpleAggregateFunction(sumMap, Map(String, UInt64))
) ENGINE = AggregatingMergeTree
PARTITION BY toDate(Bucket)
ORDER BY (Tenant, Node, Operation, NodeType, SourceLanguage, Bucket)
TTL Bucket + INTERVAL 30 DAY;

-- Entry spans (server, consumer, roots) measure a service; client spans that carry db.system
-- measure the database they call, named by peer.service, else server.address, else db.system.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.braid_red_10s_mv TO {{db}}.braid_red_10s AS
SELECT
  Tenant,
  if(IsPeer, PeerName, ServiceName) AS Node,
  if(IsPeer, 'database', 'service') AS NodeType,
  SpanName AS Operation,
  if(IsPeer, '', SourceLanguage) AS SourceLanguage,
  toStartOfInterval(Timestamp, INTERVAL 10 SECOND) AS Bucket,
  count() AS Calls,
  countIf(StatusCode = 'Error') AS Errors,
  sum(Duration) AS DurationSum,
  quantilesTDigestState(0.5, 0.95, 0.99)(Duration) AS DurationQuantiles,
  sumMap(if(StatusCode = 'Error' AND ErrorCode != '', map(ErrorCode, toUInt64(1)), map())) AS ErrorCodes
FROM (
  SELECT *,
    SpanKind = 'Client' AND SpanAttributes['db.system'] != '' AS IsPeer,
    multiIf(SpanAttributes['peer.service'] != '', SpanAttributes['peer.service'],
            SpanAttributes['server.address'] != '', SpanAttributes['server.address'],
            SpanAttributes['db.system']) AS PeerName
  FROM {{db}}.otel_traces
)
WHERE SpanKind IN ('Server', 'Consumer') OR ParentSpanId = '' OR IsPeer
GROUP BY Tenant, Node, NodeType, Operation, SourceLanguage, Bucket;

-- Caller → callee edges per 10-second bucket, written by the correlator's graph job (a join of
-- parent and child spans that a per-block view cannot do). Rewriting a bucket replaces it.
CREATE TABLE IF NOT EXISTS {{db}}.braid_service_edges (
  Tenant LowCardinality(String),
  Bucket DateTime,
  Caller LowCardinality(String),
  Callee LowCardinality(String),
  CalleeType LowCardinality(String),
  Calls UInt64,
  Errors UInt64,
  DurationSum UInt64,
  DurationP95 Float64,
  ComputedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
PARTITION BY toDate(Bucket)
ORDER BY (Tenant, Bucket, Caller, Callee)
TTL Bucket + INTERVAL 30 DAY;

-- Anomalies, one row per version (ReplacingMergeTree keeps the newest by Version).
CREATE TABLE IF NOT EXISTS {{db}}.braid_anomalies (
  AnomalyId String,
  Tenant LowCardinality(String),
  Node LowCardinality(String),
  NodeType LowCardinality(String),
  Operation LowCardinality(String),
  Kind LowCardinality(String),
  OnsetAt DateTime,
  DetectedAt DateTime,
  LastSeenAt DateTime,
  Score Float64,
  Observed Float64,
  Baseline Float64,
  BaselineSpread Float64,
  Calls UInt64,
  Errors UInt64,
  ErrorCodes Map(String, UInt64),
  Version UInt64
) ENGINE = ReplacingMergeTree(Version)
PARTITION BY toYYYYMM(OnsetAt)
ORDER BY (Tenant, AnomalyId);

-- Incidents, versioned: every change writes a new row with a higher Version.
CREATE TABLE IF NOT EXISTS {{db}}.braid_incidents (
  IncidentId String,
  Tenant LowCardinality(String),
  Version UInt64,
  Status LowCardinality(String),
  Title String,
  StartedAt DateTime,
  UpdatedAt DateTime,
  ResolvedAt Nullable(DateTime),
  Services Array(String),
  Operations Array(String),
  ErrorCodes Map(String, UInt64),
  AnomalyIds Array(String),
  ExemplarTraceIds Array(String),
  SampleLogs String,
  RootCauses String,
  TopRootCause LowCardinality(String),
  TopRootCauseCode LowCardinality(String)
) ENGINE = ReplacingMergeTree(Version)
PARTITION BY toYYYYMM(StartedAt)
ORDER BY (Tenant, IncidentId);

CREATE TABLE IF NOT EXISTS {{db}}.braid_incident_events (
  IncidentId String,
  Tenant LowCardinality(String),
  EventId String,
  At DateTime,
  Kind LowCardinality(String),
  Message String,
  Detail String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(At)
ORDER BY (Tenant, IncidentId, At, EventId);
