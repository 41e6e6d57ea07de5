// The correlator's SQL: reads RED series, edges and evidence, writes anomalies, edges, incidents.
// Times are Unix seconds bound as UInt32; nothing from outside is spliced into SQL text.
import type { Store } from "../store/index.js";
import { seriesKeyString, type DetectionWindow } from "./detect.js";
import type { OriginCount, SelfTime } from "./rank.js";
import type { Anomaly, Edge, Incident, IncidentEvent, NodeType, RedSeries, SampleLog, WindowStats } from "./types.js";

const nsToMs = (ns: number | string) => Number(ns) / 1e6;

/**
 * Errors recorded on a client span that happen inside the caller, before the database is reached
 * (an exhausted connection pool, the caller's own cancellation, file-descriptor or memory limits):
 * for the question "where did this error start", they belong to the calling service.
 */
export const callerSideErrorCodes = ["RESOURCE_EXHAUSTED.POOL_TIMEOUT", "RESOURCE_EXHAUSTED.TOO_MANY_OPEN_FILES", "RESOURCE_EXHAUSTED.OUT_OF_MEMORY", "CANCELLED.CLIENT"];

/** Span → node: a client span with db.system is the database it calls; any other span its service. */
const spanNode = nodeOf("SpanKind = 'Client' AND SpanAttributes['db.system'] != ''");

/** The same, for error spans: caller-side errors on a database client span stay with the caller. */
const errorSpanNode = nodeOf("SpanKind = 'Client' AND SpanAttributes['db.system'] != '' AND ErrorCode NOT IN {callerSideCodes:Array(String)}");

function nodeOf(isPeer: string): string {
  return `
  ${isPeer} AS IsPeer,
  if(IsPeer, multiIf(SpanAttributes['peer.service'] != '', SpanAttributes['peer.service'],
                     SpanAttributes['server.address'] != '', SpanAttributes['server.address'],
                     SpanAttributes['db.system']), ServiceName) AS Node,
  if(IsPeer, 'database', 'service') AS NodeType`;
}

export async function readRedSeries(store: Store, window: DetectionWindow): Promise<{ series: RedSeries[]; windows: Map<string, WindowStats> }> {
  const rows = await store.query<{ Tenant: string; Node: string; NodeType: NodeType; Operation: string; SourceLanguage: string; Bucket: number; Calls: string; Errors: string; Q: number[] }>(
    `SELECT Tenant, Node, NodeType, Operation, any(SourceLanguage) AS SourceLanguage, toUnixTimestamp(Bucket) AS Bucket,
            sum(Calls) AS Calls, sum(Errors) AS Errors, quantilesTDigestMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS Q
     FROM {{db}}.braid_red_10s
     WHERE Bucket >= toDateTime({from:UInt32}) AND Bucket < toDateTime({to:UInt32})
     GROUP BY Tenant, Node, NodeType, Operation, Bucket
     ORDER BY Tenant, Node, Operation, Bucket`,
    { from: window.baselineStart, to: window.windowEnd },
  );
  const series = new Map<string, RedSeries>();
  for (const row of rows) {
    const key = seriesKeyString({ tenant: row.Tenant, node: row.Node, nodeType: row.NodeType, operation: row.Operation });
    let entry = series.get(key);
    if (!entry) {
      entry = { tenant: row.Tenant, node: row.Node, nodeType: row.NodeType, operation: row.Operation, sourceLanguage: row.SourceLanguage, buckets: [] };
      series.set(key, entry);
    }
    entry.buckets.push({ bucket: Number(row.Bucket), calls: Number(row.Calls), errors: Number(row.Errors), p50Ms: nsToMs(row.Q[0]!), p95Ms: nsToMs(row.Q[1]!), p99Ms: nsToMs(row.Q[2]!) });
  }
  const windowRows = await store.query<{ Tenant: string; Node: string; NodeType: NodeType; Operation: string; Calls: string; Errors: string; Q: number[]; Codes: Record<string, string> }>(
    `SELECT Tenant, Node, NodeType, Operation, sum(Calls) AS Calls, sum(Errors) AS Errors,
            quantilesTDigestMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS Q, sumMap(ErrorCodes) AS Codes
     FROM {{db}}.braid_red_10s
     WHERE Bucket >= toDateTime({from:UInt32}) AND Bucket < toDateTime({to:UInt32})
     GROUP BY Tenant, Node, NodeType, Operation`,
    { from: window.windowStart, to: window.windowEnd },
  );
  const windows = new Map<string, WindowStats>();
  for (const row of windowRows) {
    windows.set(seriesKeyString({ tenant: row.Tenant, node: row.Node, nodeType: row.NodeType, operation: row.Operation }), {
      calls: Number(row.Calls),
      errors: Number(row.Errors),
      p50Ms: nsToMs(row.Q[0]!),
      p95Ms: nsToMs(row.Q[1]!),
      p99Ms: nsToMs(row.Q[2]!),
      errorCodes: Object.fromEntries(Object.entries(row.Codes).map(([code, count]) => [code, Number(count)])),
    });
  }
  return { series: [...series.values()], windows };
}

interface AnomalyRow {
  AnomalyId: string; Tenant: string; Node: string; NodeType: NodeType; Operation: string; Kind: Anomaly["kind"];
  OnsetAt: number; DetectedAt: number; LastSeenAt: number; Score: number; Observed: number; Baseline: number; BaselineSpread: number;
  Calls: string; Errors: string; ErrorCodes: Record<string, string>; Version: string;
}

const anomalyColumns = `AnomalyId, Tenant, Node, NodeType, Operation, Kind, toUnixTimestamp(OnsetAt) AS OnsetAt, toUnixTimestamp(DetectedAt) AS DetectedAt,
  toUnixTimestamp(LastSeenAt) AS LastSeenAt, Score, Observed, Baseline, BaselineSpread, Calls, Errors, ErrorCodes, Version`;

function toAnomaly(row: AnomalyRow): Anomaly {
  return {
    anomalyId: row.AnomalyId, tenant: row.Tenant, node: row.Node, nodeType: row.NodeType, operation: row.Operation, kind: row.Kind,
    onsetAt: Number(row.OnsetAt), detectedAt: Number(row.DetectedAt), lastSeenAt: Number(row.LastSeenAt),
    score: row.Score, observed: row.Observed, baseline: row.Baseline, baselineSpread: row.BaselineSpread,
    calls: Number(row.Calls), errors: Number(row.Errors),
    errorCodes: Object.fromEntries(Object.entries(row.ErrorCodes).map(([code, count]) => [code, Number(count)])),
    version: Number(row.Version),
  };
}

/** Anomalies seen at or after `since` (newest version of each). */
export async function readAnomaliesSeenSince(store: Store, since: number, tenant?: string): Promise<Anomaly[]> {
  const rows = await store.query<AnomalyRow>(
    `SELECT ${anomalyColumns} FROM {{db}}.braid_anomalies FINAL
     WHERE LastSeenAt >= toDateTime({since:UInt32}) AND ({tenant:String} = '' OR Tenant = {tenant:String})
     ORDER BY OnsetAt, AnomalyId`,
    { since, tenant: tenant ?? "" },
  );
  return rows.map(toAnomaly);
}

export async function readAnomaliesById(store: Store, ids: readonly string[]): Promise<Anomaly[]> {
  if (ids.length === 0) return [];
  const rows = await store.query<AnomalyRow>(`SELECT ${anomalyColumns} FROM {{db}}.braid_anomalies FINAL WHERE AnomalyId IN {ids:Array(String)} ORDER BY OnsetAt, AnomalyId`, { ids });
  return rows.map(toAnomaly);
}

export async function writeAnomalies(store: Store, anomalies: readonly Anomaly[]): Promise<void> {
  await store.insert(
    "braid_anomalies",
    anomalies.map((a) => ({
      AnomalyId: a.anomalyId, Tenant: a.tenant, Node: a.node, NodeType: a.nodeType, Operation: a.operation, Kind: a.kind,
      OnsetAt: a.onsetAt, DetectedAt: a.detectedAt, LastSeenAt: a.lastSeenAt, Score: a.score, Observed: a.observed,
      Baseline: a.baseline, BaselineSpread: a.baselineSpread, Calls: a.calls, Errors: a.errors, ErrorCodes: a.errorCodes, Version: a.version,
    })),
  );
}

/** Recomputes the caller → callee edges of the buckets in [from, to) from spans. */
export async function computeEdges(store: Store, from: number, to: number): Promise<void> {
  await store.exec(
    `INSERT INTO {{db}}.braid_service_edges (Tenant, Bucket, Caller, Callee, CalleeType, Calls, Errors, DurationSum, DurationP95)
     SELECT c.Tenant, toStartOfInterval(c.Timestamp, INTERVAL 10 SECOND) AS Bucket, p.ServiceName AS Caller, c.ServiceName AS Callee, 'service',
            count(), countIf(c.StatusCode = 'Error'), sum(c.Duration), quantile(0.95)(c.Duration)
     FROM (SELECT Tenant, TraceId, ParentSpanId, ServiceName, Timestamp, Duration, StatusCode FROM {{db}}.otel_traces
           WHERE Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9) AND ParentSpanId != '') AS c
     INNER JOIN (SELECT Tenant, TraceId, SpanId, ServiceName FROM {{db}}.otel_traces
           WHERE Timestamp >= toDateTime64({from:UInt32} - 60, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)) AS p
       ON c.Tenant = p.Tenant AND c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId
     WHERE p.ServiceName != c.ServiceName
     GROUP BY c.Tenant, Bucket, Caller, Callee
     UNION ALL
     SELECT Tenant, toStartOfInterval(Timestamp, INTERVAL 10 SECOND) AS Bucket, ServiceName AS Caller, Node AS Callee, 'database',
            count(), countIf(StatusCode = 'Error'), sum(Duration), quantile(0.95)(Duration)
     FROM (SELECT Tenant, Timestamp, ServiceName, Duration, StatusCode, ${spanNode} FROM {{db}}.otel_traces
           WHERE Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9) AND SpanKind = 'Client')
     WHERE IsPeer
     GROUP BY Tenant, Bucket, Caller, Callee`,
    { from, to },
  );
}

/** Edges of one tenant, or of all with '*' (the API's operator value). */
export async function readEdges(store: Store, from: number, to: number, tenant: string): Promise<(Edge & { tenant: string; durationSumMs: number; p95Ms: number })[]> {
  const rows = await store.query<{ Tenant: string; Caller: string; Callee: string; CalleeType: NodeType; Calls: string; Errors: string; DurationSum: string; P95: number }>(
    `SELECT Tenant, Caller, Callee, any(CalleeType) AS CalleeType, sum(Calls) AS Calls, sum(Errors) AS Errors, sum(DurationSum) AS DurationSum, max(DurationP95) AS P95
     FROM {{db}}.braid_service_edges FINAL
     WHERE Bucket >= toDateTime({from:UInt32}) AND Bucket < toDateTime({to:UInt32}) AND ({tenant:String} = '*' OR Tenant = {tenant:String})
     GROUP BY Tenant, Caller, Callee ORDER BY Caller, Callee`,
    { from, to, tenant },
  );
  return rows.map((row) => ({
    tenant: row.Tenant, caller: row.Caller, callee: row.Callee, calleeType: row.CalleeType,
    calls: Number(row.Calls), errors: Number(row.Errors), durationSumMs: nsToMs(row.DurationSum), p95Ms: nsToMs(row.P95),
  }));
}

/** Error spans none of whose children erred, per node and glossary code. */
export async function readErrorOrigins(store: Store, tenant: string, from: number, to: number): Promise<{ origins: OriginCount[]; errorTraceCounts: Map<string, number>; totalErrorTraces: number }> {
  const params = { tenant, from, to, callerSideCodes: callerSideErrorCodes };
  const errorSpans = `SELECT TraceId, SpanId, ParentSpanId, ServiceName, ErrorCode, ${errorSpanNode} FROM {{db}}.otel_traces
     WHERE Tenant = {tenant:String} AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9) AND StatusCode = 'Error'`;
  const origins = await store.query<{ Node: string; NodeType: NodeType; ErrorCode: string; Via: string; Count: string }>(
    `SELECT Node, NodeType, ErrorCode, ServiceName AS Via, count() AS Count
     FROM (${errorSpans}) AS e
     WHERE (TraceId, SpanId) NOT IN (SELECT TraceId, ParentSpanId FROM (${errorSpans}) WHERE ParentSpanId != '')
     GROUP BY Node, NodeType, ErrorCode, Via ORDER BY Count DESC`,
    params,
  );
  const traces = await store.query<{ Node: string; Traces: string; Total: string }>(
    `SELECT Node, uniqExact(TraceId) AS Traces, (SELECT uniqExact(TraceId) FROM (${errorSpans})) AS Total
     FROM (${errorSpans}) GROUP BY Node`,
    params,
  );
  return {
    origins: origins.map((row) => ({ node: row.Node, nodeType: row.NodeType, errorCode: row.ErrorCode, via: row.Via, count: Number(row.Count) })),
    errorTraceCounts: new Map(traces.map((row) => [row.Node, Number(row.Traces)])),
    totalErrorTraces: Number(traces[0]?.Total ?? 0),
  };
}

/**
 * Exclusive time per call of each node, now vs a baseline: every span's duration minus its direct
 * children's, summed per node and divided by the node's entry calls (server spans, roots, and the
 * client spans to a database).
 */
export async function readSelfTimes(store: Store, tenant: string, baselineFrom: number, currentFrom: number, to: number): Promise<SelfTime[]> {
  const rows = await store.query<{ Node: string; NodeType: NodeType; CurrentNs: number; BaselineNs: number; Calls: string }>(
    `WITH spans AS (
       SELECT TraceId, SpanId, ParentSpanId, Timestamp, Duration, SpanKind IN ('Server', 'Consumer') OR ParentSpanId = '' OR IsPeer AS IsEntry, ${spanNode}
       FROM {{db}}.otel_traces
       WHERE Tenant = {tenant:String} AND Timestamp >= toDateTime64({baselineFrom:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9))
     SELECT s.Node AS Node, s.NodeType AS NodeType,
            sumIf(greatest(toInt64(s.Duration) - toInt64(c.ChildNs), 0), s.Timestamp >= toDateTime64({currentFrom:UInt32}, 9))
              / greatest(countIf(s.IsEntry AND s.Timestamp >= toDateTime64({currentFrom:UInt32}, 9)), 1) AS CurrentNs,
            sumIf(greatest(toInt64(s.Duration) - toInt64(c.ChildNs), 0), s.Timestamp < toDateTime64({currentFrom:UInt32}, 9))
              / greatest(countIf(s.IsEntry AND s.Timestamp < toDateTime64({currentFrom:UInt32}, 9)), 1) AS BaselineNs,
            countIf(s.IsEntry AND s.Timestamp >= toDateTime64({currentFrom:UInt32}, 9)) AS Calls
     FROM spans AS s
     LEFT JOIN (SELECT TraceId, ParentSpanId, sum(Duration) AS ChildNs FROM spans GROUP BY TraceId, ParentSpanId) AS c
       ON s.TraceId = c.TraceId AND s.SpanId = c.ParentSpanId
     GROUP BY Node, NodeType
     HAVING Calls > 0`,
    { tenant, baselineFrom, currentFrom, to },
  );
  return rows.map((row) => ({ node: row.Node, nodeType: row.NodeType, currentMs: nsToMs(row.CurrentNs), baselineMs: nsToMs(row.BaselineNs), calls: Number(row.Calls) }));
}

/** Traces that show the candidate at work: its failing calls first, then its slowest. */
export async function readExemplarTraces(store: Store, tenant: string, node: string, from: number, to: number, limit = 5): Promise<string[]> {
  const rows = await store.query<{ TraceId: string }>(
    `SELECT TraceId FROM (SELECT TraceId, StatusCode, Duration, ${spanNode} FROM {{db}}.otel_traces
       WHERE Tenant = {tenant:String} AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9))
     WHERE Node = {node:String}
     GROUP BY TraceId ORDER BY max(StatusCode = 'Error') DESC, max(Duration) DESC, TraceId LIMIT {limit:UInt32}`,
    { tenant, node, from, to, limit },
  );
  return rows.map((row) => row.TraceId);
}

/** Error-level log lines of the incident's services, those of the exemplar traces first. */
export async function readSampleLogs(store: Store, tenant: string, services: readonly string[], traceIds: readonly string[], from: number, to: number, limit = 10): Promise<SampleLog[]> {
  const rows = await store.query<{ Timestamp: string; ServiceName: string; SeverityText: string; Body: string; TraceId: string; ErrorCode: string }>(
    `SELECT Timestamp, ServiceName, SeverityText, Body, TraceId, ErrorCode FROM {{db}}.otel_logs
     WHERE Tenant = {tenant:String} AND TimestampTime >= toDateTime({from:UInt32}) AND TimestampTime < toDateTime({to:UInt32})
       AND ServiceName IN {services:Array(String)} AND SeverityNumber >= 17
     ORDER BY TraceId IN {traces:Array(String)} DESC, Timestamp LIMIT {limit:UInt32}`,
    { tenant, services, traces: traceIds, from, to, limit },
  );
  return rows.map((row) => ({ timestamp: row.Timestamp, serviceName: row.ServiceName, severityText: row.SeverityText, body: row.Body.slice(0, 2000), traceId: row.TraceId, errorCode: row.ErrorCode }));
}

interface IncidentRow {
  IncidentId: string; Tenant: string; Version: string; Status: Incident["status"]; Title: string; StartedAt: number; UpdatedAt: number;
  ResolvedAt: number | null; Services: string[]; Operations: string[]; ErrorCodes: Record<string, string>; AnomalyIds: string[];
  ExemplarTraceIds: string[]; SampleLogs: string; RootCauses: string;
}

export const incidentColumns = `IncidentId, Tenant, Version, Status, Title, toUnixTimestamp(StartedAt) AS StartedAt, toUnixTimestamp(UpdatedAt) AS UpdatedAt,
  if(isNull(ResolvedAt), NULL, toUnixTimestamp(assumeNotNull(ResolvedAt))) AS ResolvedAt, Services, Operations, ErrorCodes, AnomalyIds, ExemplarTraceIds, SampleLogs, RootCauses`;

export function toIncident(row: IncidentRow): Incident {
  return {
    incidentId: row.IncidentId, tenant: row.Tenant, version: Number(row.Version), status: row.Status, title: row.Title,
    startedAt: Number(row.StartedAt), updatedAt: Number(row.UpdatedAt), resolvedAt: row.ResolvedAt === null ? null : Number(row.ResolvedAt),
    services: row.Services, operations: row.Operations,
    errorCodes: Object.fromEntries(Object.entries(row.ErrorCodes).map(([code, count]) => [code, Number(count)])),
    anomalyIds: row.AnomalyIds, exemplarTraceIds: row.ExemplarTraceIds,
    sampleLogs: JSON.parse(row.SampleLogs || "[]") as SampleLog[],
    rootCauses: JSON.parse(row.RootCauses || "[]") as Incident["rootCauses"],
  };
}

export async function readOpenIncidents(store: Store): Promise<Incident[]> {
  const rows = await store.query<IncidentRow>(`SELECT ${incidentColumns} FROM {{db}}.braid_incidents FINAL WHERE Status = 'open' ORDER BY StartedAt, IncidentId`);
  return rows.map(toIncident);
}

export async function writeIncidents(store: Store, incidents: readonly Incident[], events: readonly IncidentEvent[]): Promise<void> {
  if (events.length > 0) {
    await store.insert(
      "braid_incident_events",
      events.map((e) => ({ IncidentId: e.incidentId, Tenant: e.tenant, EventId: e.eventId, At: e.at, Kind: e.kind, Message: e.message, Detail: JSON.stringify(e.detail) })),
    );
  }
  if (incidents.length > 0) {
    await store.insert(
      "braid_incidents",
      incidents.map((i) => ({
        IncidentId: i.incidentId, Tenant: i.tenant, Version: i.version, Status: i.status, Title: i.title, StartedAt: i.startedAt, UpdatedAt: i.updatedAt,
        ResolvedAt: i.resolvedAt, Services: i.services, Operations: i.operations, ErrorCodes: i.errorCodes, AnomalyIds: i.anomalyIds,
        ExemplarTraceIds: i.exemplarTraceIds, SampleLogs: JSON.stringify(i.sampleLogs), RootCauses: JSON.stringify(i.rootCauses),
        TopRootCause: i.rootCauses[0]?.node ?? "", TopRootCauseCode: i.rootCauses[0]?.errorCode ?? "",
      })),
    );
  }
}
