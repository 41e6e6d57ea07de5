// The series rules read, from ClickHouse: spans' service series (kept on insert by a view), edges
// from spans and RED from OTLP histograms (recomputed here for recent buckets), and hourly sums
// for long windows. Times are Unix seconds bound as UInt32; names are bound, never spliced.
import type { Store } from "../../store/index.js";
import { seriesBucketSeconds } from "../../schemas/alerting.js";
import { addBucket, spanBucket, type Histogram } from "./histogram.js";
import type { SeriesRequest, SeriesRow } from "./types.js";

/** Resource attributes that name an instance, not a population, are dropped (see 0040_alerting.sql). */
const resourceOf = (column: string) => `mapFilter((k, v) -> NOT (k IN ('service.name', 'service.instance.id', 'faas.instance', 'faas.id')
    OR startsWith(k, 'host.') OR startsWith(k, 'process.') OR startsWith(k, 'container.') OR startsWith(k, 'os.')
    OR startsWith(k, 'telemetry.') OR startsWith(k, 'k8s.pod.') OR startsWith(k, 'k8s.container.') OR startsWith(k, 'k8s.node.')), ${column})`;
const resourceHashOf = (column: string) => `cityHash64(arraySort(arrayZip(mapKeys(${column}), mapValues(${column}))))`;
const spanLatencyKey = (durationColumn: string) => `concat('s', toString(toInt16(ceil(log2(greatest(${durationColumn}, 1000) / 1e6) * 8))))`;

/** Longest window read from 10-second buckets alone; longer ones add hourly sums. */
export const maxFineWindowSeconds = 6 * 3600;

/** How far back each tick recomputes the rollups (spans and metric points that arrive late). */
export const rollupLookbackSeconds = 120;

const rollupColumns = "Family, Source, Metric, Tenant, Service, Operation, Caller, Callee, ResourceHash, Resource, Bucket, Calls, Errors, Latency";

/**
 * Edges caller → callee from spans for buckets in [from, to): a span of the callee's whose parent
 * is in another service. The hop is measured where the caller measures it, on its CLIENT span
 * (network and queueing included); when the caller's HTTP client is not instrumented the parent
 * is a server or internal span, and the callee's own span measures the hop. Database and peer
 * calls come from client spans with db.system, named by peer.service, server.address or db.system.
 */
async function rollupSpanEdges(store: Store, from: number, to: number): Promise<void> {
  const spanFields = `${resourceOf("ResourceAttributes")} AS Resource, ${resourceHashOf("Resource")} AS ResourceHash,
                  toStartOfInterval(Timestamp, INTERVAL 10 SECOND) AS Bucket, ${spanLatencyKey("Duration")} AS LatencyKey`;
  await store.exec(
    `INSERT INTO {{db}}.braid_alert_rollup_10s (${rollupColumns})
     SELECT 'edge', 'spans', '', p.Tenant, '', '', p.ServiceName, c.ServiceName, p.ResourceHash, any(p.Resource), p.Bucket,
            count(), countIf(if(p.SpanKind = 'Client', p.StatusCode, c.StatusCode) = 'Error'),
            sumMap(map(if(p.SpanKind = 'Client', p.LatencyKey, c.LatencyKey), toUInt64(1)))
     FROM (SELECT Tenant, TraceId, SpanId, SpanKind, ServiceName, StatusCode, ${spanFields}
           FROM {{db}}.otel_traces
           WHERE Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)) AS p
     INNER JOIN (SELECT TraceId, ParentSpanId, ServiceName, StatusCode, ${spanLatencyKey("Duration")} AS LatencyKey FROM {{db}}.otel_traces
           WHERE Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32} + 60, 9) AND SpanKind IN ('Server', 'Consumer') AND ParentSpanId != '') AS c
       ON c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId
     WHERE c.ServiceName != p.ServiceName
     GROUP BY p.Tenant, p.ServiceName, c.ServiceName, p.ResourceHash, p.Bucket
     UNION ALL
     SELECT 'edge', 'spans', '', Tenant, '', '', ServiceName,
            multiIf(SpanAttributes['peer.service'] != '', SpanAttributes['peer.service'], SpanAttributes['server.address'] != '', SpanAttributes['server.address'],
                    SpanAttributes['db.system'] != '', SpanAttributes['db.system'], SpanAttributes['db.system.name']) AS Callee,
            ResourceHash, any(Resource), Bucket, count(), countIf(StatusCode = 'Error'), sumMap(map(LatencyKey, toUInt64(1)))
     FROM (SELECT Tenant, ServiceName, SpanAttributes, StatusCode, ${spanFields}
           FROM {{db}}.otel_traces
           WHERE Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9) AND SpanKind = 'Client'
             AND (SpanAttributes['db.system'] != '' OR SpanAttributes['db.system.name'] != ''))
     GROUP BY Tenant, ServiceName, Callee, ResourceHash, Bucket`,
    { from, to },
  );
}

/**
 * RED from OTLP histograms for buckets in [from, to): each point's increment over the previous
 * point of its stream (cumulative temporality; a changed start time or a smaller count is a
 * reset, counted from zero if no export since the reset is missing; a stream's first point
 * counts only if the stream began within a minute of it), or the point itself (delta
 * temporality). Server metrics give service series, client metrics edges (callee: peer.service,
 * service.peer.name or server.address).
 *
 * An increment counts only when the previous point is the stream's previous export: its gap is at
 * most 1.5 × the stream's usual gap (+1 s). Producers write exports round-robin over partitions, so
 * a later export is often stored before an earlier one; the increment over such a gap holds every
 * request since the last stored point (after a slow spell, the slow ones) and would land in one
 * bucket that is not theirs. It is counted once the missing point is stored and the bucket is
 * recomputed (every tick recomputes the last rollupLookbackSeconds); a point that never arrives
 * loses its interval and the next. Every recomputed bucket is written, zero or not, so a
 * recomputation replaces what an earlier tick wrote.
 */
async function rollupMetrics(store: Store, from: number, to: number, serverMetrics: readonly string[], clientMetrics: readonly string[]): Promise<void> {
  if (serverMetrics.length + clientMetrics.length === 0) return;
  await store.exec(
    `INSERT INTO {{db}}.braid_alert_rollup_10s (${rollupColumns})
     SELECT Family, 'metrics', MetricName, Tenant, Service, Operation, Caller, Callee, ResourceHash, any(Resource), Bucket,
            sum(DeltaCount), sumIf(DeltaCount, IsError), sumMap(mapFromArrays(LatencyKeys, DeltaBuckets))
     FROM (
       SELECT *,
         if(has({server:Array(String)}, MetricName), 'service', 'edge') AS Family,
         if(Family = 'service', ServiceName, '') AS Service,
         if(Family = 'service', multiIf(Attributes['http.route'] != '', trim(concat(Attributes['http.request.method'], ' ', Attributes['http.route'])),
                                        Attributes['rpc.method'] != '', concat(Attributes['rpc.service'], '/', Attributes['rpc.method']), ''), '') AS Operation,
         if(Family = 'edge', ServiceName, '') AS Caller,
         if(Family = 'edge', multiIf(Attributes['peer.service'] != '', Attributes['peer.service'], Attributes['service.peer.name'] != '', Attributes['service.peer.name'],
                                     Attributes['server.address']), '') AS Callee,
         Attributes['error.type'] != '' OR Attributes['rpc.grpc.status_code'] NOT IN ('', '0')
           OR toUInt16OrZero(Attributes['http.response.status_code']) >= if(Family = 'service', 500, 400) AS IsError,
         multiIf(MetricUnit = 's', 1000, MetricUnit = 'ms', 1, MetricUnit IN ('us', 'μs'), 0.001, MetricUnit = 'ns', 0.000001, MetricUnit = 'min', 60000, 1000) AS Scale,
         arrayMap(i -> concat(toString(if(i = 1, 0, ExplicitBounds[i - 1] * Scale)), '|', if(i > length(ExplicitBounds), 'inf', toString(ExplicitBounds[i] * Scale))),
                  range(1, length(BucketCounts) + 1)) AS LatencyKeys,
         HasPrevious AND PrevStart = StartTimeUnix AND Count >= PrevCount AND length(PrevBuckets) = length(BucketCounts) AS Continues,
         UsualGapMs * 1.5 + 1000 AS MaxGapMs,
         GapMs <= MaxGapMs AS Adjacent,
         dateDiff('millisecond', StartTimeUnix, TimeUnix) AS SinceStartMs,
         -- A point that counts from its start time: a stream's first point, or the first after a reset.
         if(HasPrevious, SinceStartMs <= MaxGapMs, SinceStartMs <= 60000) AS CountsFromStart,
         toUInt64(multiIf(AggregationTemporality = 1, Count,
                 Continues, if(Adjacent, Count - PrevCount, toUInt64(0)),
                 CountsFromStart, Count, toUInt64(0))) AS DeltaCount,
         multiIf(AggregationTemporality = 1, BucketCounts,
                 Continues AND Adjacent, arrayMap((a, b) -> toUInt64(greatest(toInt64(a) - toInt64(b), 0)), BucketCounts, PrevBuckets),
                 NOT Continues AND CountsFromStart, BucketCounts, arrayMap(x -> toUInt64(0), BucketCounts)) AS DeltaBuckets
       FROM (
         SELECT *, quantileExactIf(0.5)(GapMs, HasPrevious AND GapMs > 0) OVER (PARTITION BY Tenant, ServiceName, MetricName, Attributes, ResourceAttributes) AS UsualGapMs
         FROM (
           SELECT Tenant, ServiceName, MetricName, MetricUnit, Attributes, ResourceAttributes, AggregationTemporality, StartTimeUnix, TimeUnix, Count, BucketCounts, ExplicitBounds,
                  ${resourceOf("ResourceAttributes")} AS Resource, ${resourceHashOf("Resource")} AS ResourceHash,
                  toStartOfInterval(TimeUnix, INTERVAL 10 SECOND) AS Bucket,
                  row_number() OVER stream > 1 AS HasPrevious,
                  lagInFrame(StartTimeUnix) OVER stream AS PrevStart,
                  lagInFrame(Count) OVER stream AS PrevCount,
                  lagInFrame(BucketCounts) OVER stream AS PrevBuckets,
                  dateDiff('millisecond', lagInFrame(TimeUnix) OVER stream, TimeUnix) AS GapMs
           FROM {{db}}.otel_metrics_histogram
           WHERE MetricName IN {names:Array(String)} AND TimeUnix >= toDateTime64({from:UInt32} - 600, 9) AND TimeUnix < toDateTime64({to:UInt32}, 9)
           -- Count breaks ties: the exporter's layout stores TimeUnix in whole seconds, and an SDK's
           -- last periodic export and its shutdown flush often fall in the same second.
           WINDOW stream AS (PARTITION BY Tenant, ServiceName, MetricName, Attributes, ResourceAttributes ORDER BY TimeUnix, StartTimeUnix, Count
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
         )
       )
       WHERE TimeUnix >= toDateTime64({from:UInt32}, 9)
     )
     GROUP BY Family, MetricName, Tenant, Service, Operation, Caller, Callee, ResourceHash, Bucket`,
    { from, to, names: [...serverMetrics, ...clientMetrics], server: [...serverMetrics] },
  );
}

/** Sums one hour of both 10-second tables into braid_alert_series_1h. */
async function rollupHour(store: Store, hour: number): Promise<void> {
  await store.exec(
    `INSERT INTO {{db}}.braid_alert_series_1h (Family, Source, Metric, Tenant, Service, Operation, Caller, Callee, ResourceHash, Resource, Hour, Calls, Errors, Latency)
     SELECT Family, Source, Metric, Tenant, Service, Operation, Caller, Callee, ResourceHash, any(Resource), toDateTime({hour:UInt32}), sum(Calls), sum(Errors), sumMap(Latency)
     FROM (
       SELECT 'service' AS Family, 'spans' AS Source, '' AS Metric, Tenant, ServiceName AS Service, Operation, '' AS Caller, '' AS Callee, ResourceHash, Resource, Calls, Errors, Latency
       FROM {{db}}.braid_alert_spans_10s WHERE Bucket >= toDateTime({hour:UInt32}) AND Bucket < toDateTime({hour:UInt32} + 3600)
       UNION ALL
       SELECT Family, Source, Metric, Tenant, Service, Operation, Caller, Callee, ResourceHash, Resource, Calls, Errors, Latency
       FROM {{db}}.braid_alert_rollup_10s FINAL WHERE Bucket >= toDateTime({hour:UInt32}) AND Bucket < toDateTime({hour:UInt32} + 3600)
     )
     GROUP BY Family, Source, Metric, Tenant, Service, Operation, Caller, Callee, ResourceHash`,
    { hour },
  );
  await store.insert("braid_alert_hours_done", [{ Hour: hour }]);
}

/** How far back missed hours are summed (the 10-second tables keep four days). */
const hourBackfillSeconds = 4 * 86_400;
/** At most this many hours per tick, newest first, so a long backfill never stalls evaluation. */
const hoursPerTick = 3;

/** The first hour not yet final at `to`: hours before it are read from braid_alert_series_1h. */
export const firstOpenHour = (to: number) => Math.floor((to - rollupLookbackSeconds) / 3600) * 3600;

/** Sums the final hours that are not summed yet. */
async function rollupHours(store: Store, to: number): Promise<void> {
  const open = firstOpenHour(to);
  const from = Math.floor((open - hourBackfillSeconds) / 3600) * 3600;
  const done = new Set(
    (await store.query<{ Hour: number }>(`SELECT toUnixTimestamp(Hour) AS Hour FROM {{db}}.braid_alert_hours_done WHERE Hour >= toDateTime({from:UInt32})`, { from })).map((r) => Number(r.Hour)),
  );
  const todo: number[] = [];
  for (let hour = open - 3600; hour >= from; hour -= 3600) if (!done.has(hour)) todo.push(hour);
  if (todo.length === 0) return;
  // Hours before the oldest 10-second bucket have nothing to sum: mark them at once.
  const [oldest] = await store.query<{ Spans: number; Rollup: number }>(
    `SELECT (SELECT toUnixTimestamp(min(Bucket)) FROM {{db}}.braid_alert_spans_10s WHERE Bucket >= toDateTime({from:UInt32})) AS Spans,
            (SELECT toUnixTimestamp(min(Bucket)) FROM {{db}}.braid_alert_rollup_10s WHERE Bucket >= toDateTime({from:UInt32})) AS Rollup`,
    { from },
  );
  // min() of no rows is 0: a table without data in the range does not count.
  const firsts = [Number(oldest?.Spans ?? 0), Number(oldest?.Rollup ?? 0)].filter((t) => t > 0);
  const first = firsts.length > 0 ? Math.floor(Math.min(...firsts) / 3600) * 3600 : Number.POSITIVE_INFINITY;
  const empty = todo.filter((hour) => hour < first);
  if (empty.length > 0) await store.insert("braid_alert_hours_done", empty.map((Hour) => ({ Hour })));
  for (const hour of todo.filter((h) => !empty.includes(h)).slice(0, hoursPerTick)) await rollupHour(store, hour);
}

export interface RollupOptions {
  serverMetrics: readonly string[];
  clientMetrics: readonly string[];
  /** Recompute the hourly sums too (needed when a rule reads a window longer than maxFineWindowSeconds). */
  hours: boolean;
}

/** Brings the recomputed series up to `to` (exclusive, bucket-aligned). */
export async function refreshRollups(store: Store, to: number, options: RollupOptions): Promise<void> {
  const from = to - rollupLookbackSeconds;
  await rollupSpanEdges(store, from, to);
  await rollupMetrics(store, from, to, options.serverMetrics, options.clientMetrics);
  if (options.hours) await rollupHours(store, to);
}

interface SeriesDbRow {
  Tenant: string;
  Service: string;
  Operation: string;
  Caller: string;
  Callee: string;
  Resource: Record<string, string>;
  Calls: string;
  Errors: string;
  Latency: Record<string, string>;
}

function toHistogram(latency: Record<string, string>): Histogram {
  const histogram: Histogram = new Map();
  for (const [key, count] of Object.entries(latency)) {
    if (key.startsWith("s")) {
      const { lo, hi } = spanBucket(Number(key.slice(1)));
      addBucket(histogram, lo, hi, Number(count));
    } else {
      const [lo, hi] = key.split("|");
      addBucket(histogram, Number(lo), hi === "inf" ? Number.POSITIVE_INFINITY : Number(hi), Number(count));
    }
  }
  return histogram;
}

const outputColumns = "Tenant, Service, Operation, Caller, Callee, any(Resource) AS Resource, sum(Calls) AS Calls, sum(Errors) AS Errors, sumMap(Latency) AS Latency";
const groupColumns = "Tenant, Service, Operation, Caller, Callee, ResourceHash";

/** One request's series merged over [end − window, end). Windows above six hours start on the hour (hourly sums). */
export async function readSeries(store: Store, request: SeriesRequest, end: number): Promise<SeriesRow[]> {
  const start = end - request.windowSeconds;
  const long = request.windowSeconds > maxFineWindowSeconds;
  // Hours that are final come from the hourly sums, the rest from the 10-second buckets.
  const fineFrom = long ? firstOpenHour(end) : start;
  const params = { fineFrom, end, hourFrom: Math.floor(start / 3600) * 3600, hourTo: fineFrom, family: request.family, source: request.source, metrics: request.metrics };
  const fine =
    request.family === "service" && request.source === "spans"
      ? `SELECT Tenant, ServiceName AS Service, Operation, '' AS Caller, '' AS Callee, ResourceHash, Resource, Calls, Errors, Latency
         FROM {{db}}.braid_alert_spans_10s WHERE Bucket >= toDateTime({fineFrom:UInt32}) AND Bucket < toDateTime({end:UInt32})`
      : `SELECT Tenant, Service, Operation, Caller, Callee, ResourceHash, Resource, Calls, Errors, Latency
         FROM {{db}}.braid_alert_rollup_10s FINAL
         WHERE Family = {family:String} AND Source = {source:String} AND (Source = 'spans' OR Metric IN {metrics:Array(String)})
           AND Bucket >= toDateTime({fineFrom:UInt32}) AND Bucket < toDateTime({end:UInt32})`;
  const hourly = `SELECT Tenant, Service, Operation, Caller, Callee, ResourceHash, Resource, Calls, Errors, Latency
         FROM {{db}}.braid_alert_series_1h FINAL
         WHERE Family = {family:String} AND Source = {source:String} AND (Source = 'spans' OR Metric IN {metrics:Array(String)})
           AND Hour >= toDateTime({hourFrom:UInt32}) AND Hour < toDateTime({hourTo:UInt32})`;
  const rows = await store.query<SeriesDbRow>(
    `SELECT ${outputColumns} FROM (${long ? `${fine} UNION ALL ${hourly}` : fine}) GROUP BY ${groupColumns} HAVING Calls > 0`,
    params,
  );
  return rows.map((row) => ({
    tenant: row.Tenant,
    service: row.Service,
    operation: row.Operation,
    caller: row.Caller,
    callee: row.Callee,
    resource: row.Resource,
    calls: Number(row.Calls),
    errors: Number(row.Errors),
    histogram: toHistogram(row.Latency),
  }));
}

/** The end of the newest closed bucket at `at` (ingest lag allowed for). */
export function windowEndAt(at: number, ingestLagSeconds: number): number {
  return Math.floor((at - ingestLagSeconds) / seriesBucketSeconds) * seriesBucketSeconds;
}
