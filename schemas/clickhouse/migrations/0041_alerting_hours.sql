-- Hours of braid_alert_series_1h already summed once final (an hour is final when the rollup
-- lookback has passed its end). Each tick sums the final hours not listed here (missed ones too,
-- e.g. while Braid was down), so no tick recomputes an hour it does not need.
CREATE TABLE IF NOT EXISTS {{db}}.braid_alert_hours_done (
  Hour DateTime,
  ComputedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ComputedAt)
ORDER BY Hour
TTL Hour + INTERVAL 100 DAY;
