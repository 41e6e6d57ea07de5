-- Replays must not count twice in the tables the views on otel_traces fill. ClickHouse (checked on
-- 26.7) runs a block's materialized views even when the source table drops the block as a
-- duplicate (same insert_deduplication_token), and deduplicates the views' blocks only in target
-- tables that have a deduplication window of their own (with the default
-- deduplicate_blocks_in_dependent_materialized_views = 1, a view block's token derives from the
-- source block's). Without a window, a range replayed after a crash counted its spans twice in
-- braid_red_10s. The window is the signal tables' (docs/ingest.md, "What the window must cover").
ALTER TABLE {{db}}.braid_red_10s MODIFY SETTING non_replicated_deduplication_window = 1000;

ALTER TABLE {{db}}.otel_traces_trace_id_ts MODIFY SETTING non_replicated_deduplication_window = 1000;
