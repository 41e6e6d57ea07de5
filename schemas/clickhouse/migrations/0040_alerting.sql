-- Alerting (correlator/alerting). RED series with latency histograms that add exactly (so any set
-- of series merges, and "requests under X ms" is countable for latency SLOs), kept with the
-- resource attributes rules filter on; alert state, transitions, SLO status, silences, rules
-- from the API, the notification log and the durable delivery outbox.
--
-- Latency keys: 's<i>' is a span log-scale bucket (2^((i-1)/8), 2^(i/8)] ms; '<lo>|<hi>' an OTLP
-- histogram's explicit bucket in ms ('inf' for the open top bucket).
-- Resource: the resource attributes minus those that identify one instance (service.instance.id,
-- host.*, process.*, container.*, os.*, telemetry.*, k8s.pod.*, k8s.container.*, k8s.node.*), so a
-- series per environment/namespace/region stays, and one per pod or process does not.

-- Requests of each service and operation from entry spans (SERVER, CONSUMER, roots), on insert.
CREATE TABLE IF NOT EXISTS {{db}}.braid_alert_spans_10s (
  Tenant LowCardinality(String),
  ServiceName LowCardinality(String),
  Operation LowCardinality(String),
  ResourceHash UInt64,
  Resource SimpleAggregateFunction(any, Map(String, String)),
  Bucket DateTime,
  Calls SimpleAggregateFunction(sum, UInt64),
  Errors SimpleAggregateFunction(sum, UInt64),
  Latency SimpleAggregateFunction(sumMap, Map(String, UInt64))
) ENGINE = AggregatingMergeTree
PARTITION BY toDate(Bucket)
ORDER BY (Tenant, ServiceName, Operation, ResourceHash, Bucket)
TTL Bucket + INTERVAL 4 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.braid_alert_spans_10s_mv TO {{db}}.braid_alert_spans_10s AS
SELECT Tenant, ServiceName, Operation, ResourceHash, any(Resource) AS Resource, Bucket,
       count() AS Calls, countIf(StatusCode = 'Error') AS Errors,
       sumMap(map(concat('s', toString(DurationBucket)), toUInt64(1))) AS Latency
FROM (
  SELECT Tenant, ServiceName, SpanName AS Operation, StatusCode,
         mapFilter((k, v) -> NOT (k IN ('service.name', 'service.instance.id', 'faas.instance', 'faas.id')
                                  OR startsWith(k, 'host.') OR startsWith(k, 'process.') OR startsWith(k, 'container.')
                                  OR startsWith(k, 'os.') OR startsWith(k, 'telemetry.') OR startsWith(k, 'k8s.pod.')
                                  OR startsWith(k, 'k8s.container.') OR startsWith(k, 'k8s.node.')), ResourceAttributes) AS Resource,
         cityHash64(arraySort(arrayZip(mapKeys(Resource), mapValues(Resource)))) AS ResourceHash,
         toStartOfInterval(Timestamp, INTERVAL 10 SECOND) AS Bucket,
         toInt16(ceil(log2(greatest(Duration, 1000) / 1e6) * 8)) AS DurationBucket
  FROM {{db}}.otel_traces
  WHERE SpanKind IN ('Server', 'Consumer') OR ParentSpanId = ''
)
GROUP BY Tenant, ServiceName, Operation, ResourceHash, Bucket;

-- Series the alert job recomputes for recent buckets (a bucket rewritten replaces itself):
-- edges from spans (a caller's CLIENT span joined to the callee's SERVER span, or a database
-- client span) and RED from OTLP histograms (per-interval increments of cumulative streams).
CREATE TABLE IF NOT EXISTS {{db}}.braid_alert_rollup_10s (
  Family LowCardinality(String),
  Source LowCardinality(String),
  Metric LowCardinality(String),
  Tenant LowCardinality(String),
  Service LowCardinality(String),
  Operation LowCardinality(String),
  Caller LowCardinality(String),
  Callee LowCardinality(String),
  ResourceHash UInt64,
  Resource Map(String, String),
  Bucket DateTime,
  Calls UInt64,
  Errors UInt64,
  Latency Map(String, UInt64),
  ComputedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
PARTITION BY toDate(Bucket)
ORDER BY (Family, Source, Metric, Tenant, Service, Operation, Caller, Callee, ResourceHash, Bucket)
TTL Bucket + INTERVAL 4 DAY;

-- Hourly sums of both 10-second tables, for windows longer than six hours (SLO periods,
-- the 3-day ticket window). The current and previous hours are recomputed every tick.
CREATE TABLE IF NOT EXISTS {{db}}.braid_alert_series_1h (
  Family LowCardinality(String),
  Source LowCardinality(String),
  Metric LowCardinality(String),
  Tenant LowCardinality(String),
  Service LowCardinality(String),
  Operation LowCardinality(String),
  Caller LowCardinality(String),
  Callee LowCardinality(String),
  ResourceHash UInt64,
  Resource Map(String, String),
  Hour DateTime,
  Calls UInt64,
  Errors UInt64,
  Latency Map(String, UInt64),
  ComputedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
PARTITION BY toYYYYMM(Hour)
ORDER BY (Family, Source, Metric, Tenant, Service, Operation, Caller, Callee, ResourceHash, Hour)
TTL Hour + INTERVAL 100 DAY;

-- Alert instances (one per rule and label set), newest version wins.
CREATE TABLE IF NOT EXISTS {{db}}.braid_alerts (
  Tenant LowCardinality(String),
  RuleId String,
  RuleName String,
  Fingerprint String,
  State LowCardinality(String),
  Labels Map(String, String),
  Annotations Map(String, String),
  Value Nullable(Float64),
  ActiveAt Nullable(DateTime),
  FiredAt Nullable(DateTime),
  KeepFiringSince Nullable(DateTime),
  ResolvedAt Nullable(DateTime),
  LastEvalAt DateTime,
  Services Array(String),
  IncidentIds Array(String),
  Version UInt64
) ENGINE = ReplacingMergeTree(Version)
ORDER BY (Tenant, RuleId, Fingerprint);

-- Every state change, with its time and value. Re-recording the same change is a no-op.
CREATE TABLE IF NOT EXISTS {{db}}.braid_alert_transitions (
  Tenant LowCardinality(String),
  RuleId String,
  RuleName String,
  Fingerprint String,
  At DateTime,
  FromState LowCardinality(String),
  ToState LowCardinality(String),
  Value Nullable(Float64),
  Labels Map(String, String)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(At)
ORDER BY (Tenant, RuleId, Fingerprint, At, ToState);

-- Evaluation ticks done: a tick already here is not evaluated again (after a Redis restart, a
-- retried job, or a second evaluator).
CREATE TABLE IF NOT EXISTS {{db}}.braid_alert_ticks (
  Tick DateTime,
  EvaluatedAt DateTime64(3) DEFAULT now64(3),
  Rules UInt32,
  Instances UInt32,
  Transitions UInt32,
  DurationMs Float64
) ENGINE = ReplacingMergeTree
ORDER BY Tick
TTL Tick + INTERVAL 7 DAY;

-- SLO figures of the latest evaluation, per SLO rule and group.
CREATE TABLE IF NOT EXISTS {{db}}.braid_slo_status (
  Tenant LowCardinality(String),
  RuleId String,
  RuleName String,
  Fingerprint String,
  Labels Map(String, String),
  Objective Float64,
  PeriodSeconds UInt32,
  SliNow Nullable(Float64),
  SliPeriod Nullable(Float64),
  BudgetRemaining Nullable(Float64),
  TotalRequests Float64,
  BadRequests Float64,
  BurnRates String,
  EvaluatedAt DateTime
) ENGINE = ReplacingMergeTree(EvaluatedAt)
ORDER BY (Tenant, RuleId, Fingerprint);

-- Rules created through the API (file rules live in the rules directory).
CREATE TABLE IF NOT EXISTS {{db}}.braid_alert_rules (
  Tenant LowCardinality(String),
  Name String,
  Definition String,
  Deleted UInt8,
  UpdatedAt DateTime64(3),
  UpdatedBy String,
  Version UInt64
) ENGINE = ReplacingMergeTree(Version)
ORDER BY (Tenant, Name);

CREATE TABLE IF NOT EXISTS {{db}}.braid_silences (
  SilenceId String,
  Tenant LowCardinality(String),
  Matchers String,
  StartsAt DateTime,
  EndsAt DateTime,
  CreatedBy String,
  Comment String,
  UpdatedAt DateTime64(3),
  Version UInt64
) ENGINE = ReplacingMergeTree(Version)
ORDER BY SilenceId;

-- Alertmanager's notification log: what each receiver was last told about each group.
CREATE TABLE IF NOT EXISTS {{db}}.braid_alert_notify_log (
  Receiver String,
  GroupKey String,
  Tenant LowCardinality(String),
  Sequence UInt64,
  SentAt DateTime,
  Firing Array(String),
  Resolved Array(String),
  NotificationId String
) ENGINE = ReplacingMergeTree(Sequence)
ORDER BY (Receiver, GroupKey);

-- The delivery outbox: every notification is written here before it is sent, so a restart
-- (of Braid or of Redis) resumes its delivery; newest version per notification wins.
CREATE TABLE IF NOT EXISTS {{db}}.braid_alert_notifications (
  NotificationId String,
  Tenant LowCardinality(String),
  Receiver String,
  Integration LowCardinality(String),
  IntegrationIndex UInt16,
  GroupKey String,
  Status LowCardinality(String),
  AlertStatus LowCardinality(String),
  Alerts UInt32,
  Body String,
  Attempts UInt32,
  LastError String,
  CreatedAt DateTime64(3),
  UpdatedAt DateTime64(3),
  Version UInt64
) ENGINE = ReplacingMergeTree(Version)
PARTITION BY toYYYYMM(CreatedAt)
ORDER BY NotificationId
TTL toDateTime(CreatedAt) + INTERVAL 30 DAY;
