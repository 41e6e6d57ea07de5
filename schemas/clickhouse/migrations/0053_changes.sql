-- Change events (deploys, configuration and feature-flag changes) announced on the changes topic
-- or through POST /api/v1/changes (schemas/changes.ts), stored by ingest. The same event sent
-- twice (one ChangeId) is kept once.
CREATE TABLE IF NOT EXISTS {{db}}.braid_changes (
  ChangeId String,
  At DateTime64(9),
  Service LowCardinality(String),
  Kind LowCardinality(String),
  Version String,
  PreviousVersion String,
  Description String,
  Author String,
  Source LowCardinality(String),
  Url String,
  Attributes Map(LowCardinality(String), String),
  Tenant LowCardinality(String),
  IngestedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(IngestedAt)
PARTITION BY toYYYYMM(At)
ORDER BY (Tenant, ChangeId)
TTL toDateTime(At) + INTERVAL 90 DAY;
