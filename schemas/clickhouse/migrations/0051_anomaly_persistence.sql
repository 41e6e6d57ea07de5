-- How many buckets of an anomaly's latest window were anomalous each on their own: an anomaly
-- opens an incident once the data shows it persisted (correlator settings persistBuckets), so a
-- single bad bucket (a stall, a burst) never pages, and a real fault needs no extra ticks.
ALTER TABLE {{db}}.braid_anomalies ADD COLUMN IF NOT EXISTS AnomalousBuckets UInt8 DEFAULT 0;
