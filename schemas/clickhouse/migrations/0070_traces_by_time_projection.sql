-- Spans in time order as well (docs/query-performance.md). The exporter's sorting key,
-- (ServiceName, SpanName, toDateTime(Timestamp)), serves one service's spans over time; a query
-- over every service's spans of a time range (a correlator tick's last minute, Grafana's trace
-- search, the spans of one trace between its bounds from otel_traces_trace_id_ts) reads nearly
-- every granule of the day: a granule holds a few span names over the whole day. Measured at 10M
-- spans: the correlator's edge query 1.5 s → 73 ms, one trace through the API p50 75 → 25 ms,
-- Grafana's trace search 58 → 17 ms; the cost is a second copy of the spans (about 2× the table
-- on disk) and about 1.4 µs of CPU more per span inserted. The table's columns, sorting key and
-- partitioning stay the exporter's (Grafana and other readers see the same table); ClickHouse
-- chooses the projection by itself when it reads fewer marks. Parts written before this
-- migration get the projection from the background mutation below (rows written meanwhile are
-- read either way).
ALTER TABLE {{db}}.otel_traces ADD PROJECTION IF NOT EXISTS braid_by_time (SELECT * ORDER BY Timestamp);

ALTER TABLE {{db}}.otel_traces MATERIALIZE PROJECTION braid_by_time;
