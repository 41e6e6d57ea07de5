-- Ingest keeps its replay plans in the Kafka commit metadata now (docs/ingest.md), so the
-- batch journal of 0004 is unused. Nothing reads it; dropping it frees its parts.
DROP TABLE IF EXISTS {{db}}.braid_ingest_batches;
