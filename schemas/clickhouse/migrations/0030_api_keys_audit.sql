-- API keys and the audit log (README "Security"). Idempotent: every statement is IF NOT EXISTS.

-- One row per key version: creation writes version 1, revocation a higher one (FINAL reads the
-- newest). The key itself is never stored, only its SHA-256.
CREATE TABLE IF NOT EXISTS {{db}}.braid_api_keys (
  KeyId String,
  Name String,
  Tenant LowCardinality(String),
  Scopes Array(LowCardinality(String)),
  SecretHash String,
  CreatedBy String,
  CreatedAt DateTime64(3),
  ExpiresAt Nullable(DateTime64(3)),
  RevokedAt Nullable(DateTime64(3)),
  RevokedBy String DEFAULT '',
  Version UInt64
) ENGINE = ReplacingMergeTree(Version)
ORDER BY (KeyId);

-- Last use of each key, written in batches by each API process (not one write per request);
-- the newest row per key wins.
CREATE TABLE IF NOT EXISTS {{db}}.braid_api_key_last_use (
  KeyId String,
  LastUsedAt DateTime64(3)
) ENGINE = ReplacingMergeTree(LastUsedAt)
ORDER BY (KeyId);

-- Every write and admin request, allowed or not: who (key), what (route, object, outcome),
-- when, and from where (client address, user agent).
CREATE TABLE IF NOT EXISTS {{db}}.braid_audit_log (
  At DateTime64(3),
  EventId String,
  Tenant LowCardinality(String),
  KeyId String,
  KeyName String,
  Action LowCardinality(String),
  Method LowCardinality(String),
  Route String,
  Path String,
  StatusCode UInt16,
  Outcome LowCardinality(String),
  ClientAddress String,
  UserAgent String,
  RequestId String,
  Detail String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(At)
ORDER BY (Tenant, At, EventId);
