-- Ingest's batch journal: the offset range of every insert, recorded before the insert (Planned)
-- and after it (Stored). After a crash, a partition's replay re-inserts exactly the planned range
-- with the same insert_deduplication_token (so ClickHouse drops it if it had landed) and skips
-- ranges already stored: at-least-once from Kafka, no duplicates as queried.
CREATE TABLE IF NOT EXISTS {{db}}.braid_ingest_batches (
  ConsumerGroup LowCardinality(String),
  Topic LowCardinality(String),
  Partition UInt32,
  FirstOffset UInt64,
  LastOffset UInt64,
  State Enum8('Planned' = 1, 'Stored' = 2),
  RecordedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(RecordedAt)
ORDER BY (ConsumerGroup, Topic, Partition, FirstOffset)
TTL toDateTime(RecordedAt) + INTERVAL 7 DAY;
