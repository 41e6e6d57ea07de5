-- The RED rollups in bucket order as well (docs/query-performance.md). braid_red_10s is sorted by
-- (Tenant, Node, Operation, …, Bucket): a granule holds a few series over the whole day, so the
-- correlator's detection window (every series' last 11 minutes) and the API's last-hour RED read
-- nearly the whole day. Measured at 10M spans (1,919 series, 5.9M rows): the detection read
-- 1,104 → 274 ms, services with RED over 1 h 157 → 54 ms, every node over 24 h 2,289 → 1,134 ms;
-- the cost is 106 MiB for a 99 MiB table. An AggregatingMergeTree merges rows of one key, so its
-- projection is rebuilt at each merge (deduplicate_merge_projection_mode); queries aggregate with
-- GROUP BY either way, so partly merged rows give the same figures.
ALTER TABLE {{db}}.braid_red_10s MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE {{db}}.braid_red_10s ADD PROJECTION IF NOT EXISTS braid_by_bucket (SELECT * ORDER BY Bucket);

ALTER TABLE {{db}}.braid_red_10s MATERIALIZE PROJECTION braid_by_bucket;
