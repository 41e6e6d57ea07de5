// The correlator's SQL: reads RED series, edges and evidence, writes anomalies, edges, incidents.
// Times are Unix seconds bound as UInt32; nothing from outside is spliced into SQL text.
import type { Store } from "../store/index.js";
import { seriesKeyString, type DetectionWindow } from "./detect.js";
import { callerSideErrorCodes, type RawOrigin } from "./boundary.js";
import type { AnnouncedChange, AttributeSighting } from "./changes.js";
import { calleeTypeSql, isCallSql, peerNameSql, resolvePeer } from "./nodes.js";
import type { SelfTime } from "./rank.js";
import type { Anomaly, Edge, Incident, IncidentEvent, NodeType, RedSeries, SampleLog, WindowStats } from "./types.js";

const nsToMs = (ns: number | string) => Number(ns) / 1e6;

/** The call-span columns every evidence query works with (see correlator/nodes.ts). */
const callColumns = `${isCallSql} AS IsCall, ${peerNameSql} AS Peer, ${calleeTypeSql} AS PeerType`;

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

/**
 * The start of the newest RED bucket that has any data (the one still filling), as a watermark of
 * what ingest has stored: buckets before it are complete (up to the lag between producers).
 * Undefined when nothing arrived in the last 15 minutes.
 */
export async function readNewestBucket(store: Store, now: number): Promise<number | undefined> {
  const [row] = await store.query<{ Newest: number; Rows: string }>(
    `SELECT toUnixTimestamp(max(Bucket)) AS Newest, count() AS Rows FROM {{db}}.braid_red_10s WHERE Bucket >= toDateTime({from:UInt32})`,
    { from: now - 900 },
  );
  return row && Number(row.Rows) > 0 ? Number(row.Newest) : undefined;
}

interface AnomalyRow {
  AnomalyId: string; Tenant: string; Node: string; NodeType: NodeType; Operation: string; Kind: Anomaly["kind"];
  OnsetAt: number; DetectedAt: number; LastSeenAt: number; Score: number; Observed: number; Baseline: number; BaselineSpread: number;
  Calls: string; Errors: string; ErrorCodes: Record<string, string>; AnomalousBuckets: number; Version: string;
}

export const anomalyColumns = `AnomalyId, Tenant, Node, NodeType, Operation, Kind, toUnixTimestamp(OnsetAt) AS OnsetAt, toUnixTimestamp(DetectedAt) AS DetectedAt,
  toUnixTimestamp(LastSeenAt) AS LastSeenAt, Score, Observed, Baseline, BaselineSpread, Calls, Errors, ErrorCodes, AnomalousBuckets, Version`;

export function toAnomaly(row: AnomalyRow): Anomaly {
  return {
    anomalyId: row.AnomalyId, tenant: row.Tenant, node: row.Node, nodeType: row.NodeType, operation: row.Operation, kind: row.Kind,
    onsetAt: Number(row.OnsetAt), detectedAt: Number(row.DetectedAt), lastSeenAt: Number(row.LastSeenAt),
    score: row.Score, observed: row.Observed, baseline: row.Baseline, baselineSpread: row.BaselineSpread,
    calls: Number(row.Calls), errors: Number(row.Errors),
    errorCodes: Object.fromEntries(Object.entries(row.ErrorCodes).map(([code, count]) => [code, Number(count)])),
    anomalousBuckets: Number(row.AnomalousBuckets),
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
      Baseline: a.baseline, BaselineSpread: a.baselineSpread, Calls: a.calls, Errors: a.errors, ErrorCodes: a.errorCodes, AnomalousBuckets: a.anomalousBuckets, Version: a.version,
    })),
  );
}

/**
 * Recomputes the caller → callee edges of the buckets in [from, to) from spans: a span whose
 * parent is in another service is an edge parent → child (the call answered; the parent call
 * span's peer name is kept, so callers' names for a service can be resolved to it); a call span
 * that no span of another service answers is an edge to the callee its attributes name (a
 * database, a queue, an uninstrumented peer, or a service the call never reached).
 */
export async function computeEdges(store: Store, from: number, to: number): Promise<void> {
  await store.exec(
    `INSERT INTO {{db}}.braid_service_edges (Tenant, Bucket, Caller, Callee, CalleeType, Calls, Errors, DurationSum, DurationP95, PeerName)
     WITH spans AS (
       SELECT Tenant, TraceId, SpanId, ParentSpanId, ServiceName, Timestamp, Duration, StatusCode, ${callColumns}
       FROM {{db}}.otel_traces
       WHERE Timestamp >= toDateTime64({from:UInt32} - 60, 9) AND Timestamp < toDateTime64({to:UInt32} + 30, 9))
     SELECT Tenant, Bucket, Caller, Callee,
            if(countIf(CalleeType = 'service') > 0, 'service', any(CalleeType)) AS CalleeType,
            sum(Calls), sum(Errors), sum(DurationSum), max(DurationP95), anyIf(PeerName, PeerName != '') AS PeerName
     FROM (
       SELECT c.Tenant AS Tenant, toStartOfInterval(c.Timestamp, INTERVAL 10 SECOND) AS Bucket, p.ServiceName AS Caller, c.ServiceName AS Callee,
              'service' AS CalleeType, count() AS Calls, countIf(c.StatusCode = 'Error') AS Errors, sum(c.Duration) AS DurationSum,
              quantile(0.95)(c.Duration) AS DurationP95, anyIf(p.Peer, p.IsCall AND p.Peer != c.ServiceName) AS PeerName
       FROM (SELECT * FROM spans WHERE ParentSpanId != '' AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)) AS c
       INNER JOIN (SELECT Tenant, TraceId, SpanId, ServiceName, IsCall, Peer FROM spans) AS p ON c.Tenant = p.Tenant AND c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId
       WHERE p.ServiceName != c.ServiceName
       GROUP BY Tenant, Bucket, Caller, Callee
       UNION ALL
       SELECT s.Tenant AS Tenant, toStartOfInterval(s.Timestamp, INTERVAL 10 SECOND) AS Bucket, s.ServiceName AS Caller, s.Peer AS Callee,
              any(s.PeerType) AS CalleeType, count() AS Calls, countIf(s.StatusCode = 'Error') AS Errors, sum(s.Duration) AS DurationSum,
              quantile(0.95)(s.Duration) AS DurationP95, '' AS PeerName
       FROM (SELECT * FROM spans WHERE IsCall AND Peer != '' AND Peer != ServiceName
               AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)) AS s
       LEFT JOIN (SELECT Tenant, TraceId, ParentSpanId, groupUniqArray(ServiceName) AS ChildServices FROM spans WHERE ParentSpanId != '' GROUP BY Tenant, TraceId, ParentSpanId) AS k
         ON s.Tenant = k.Tenant AND s.TraceId = k.TraceId AND s.SpanId = k.ParentSpanId
       WHERE empty(arrayFilter(x -> x != s.ServiceName, k.ChildServices))
       GROUP BY Tenant, Bucket, Caller, Callee
     )
     GROUP BY Tenant, Bucket, Caller, Callee`,
    { from, to },
  );
}

export interface EdgeRow extends Edge {
  tenant: string;
  durationSumMs: number;
  p95Ms: number;
  /** What the caller's call spans name the callee (server.address, peer.service), when it differs. */
  peerName: string;
}

/** Edges of one tenant, or of all with '*' (the API's operator value). */
export async function readEdges(store: Store, from: number, to: number, tenant: string): Promise<EdgeRow[]> {
  const rows = await store.query<{ Tenant: string; Caller: string; Callee: string; CalleeType: NodeType; Calls: string; Errors: string; DurationSum: string; P95: number; PeerName: string }>(
    `SELECT Tenant, Caller, Callee, if(countIf(CalleeType = 'service') > 0, 'service', any(CalleeType)) AS CalleeType, sum(Calls) AS Calls, sum(Errors) AS Errors,
            sum(DurationSum) AS DurationSum, max(DurationP95) AS P95, anyIf(PeerName, PeerName != '') AS PeerName
     FROM {{db}}.braid_service_edges FINAL
     WHERE Bucket >= toDateTime({from:UInt32}) AND Bucket < toDateTime({to:UInt32}) AND ({tenant:String} = '*' OR Tenant = {tenant:String})
     GROUP BY Tenant, Caller, Callee ORDER BY Caller, Callee`,
    { from, to, tenant },
  );
  return resolveEdgeRows(
    rows.map((row) => ({
      tenant: row.Tenant, caller: row.Caller, callee: row.Callee, calleeType: row.CalleeType,
      calls: Number(row.Calls), errors: Number(row.Errors), durationSumMs: nsToMs(row.DurationSum), p95Ms: nsToMs(row.P95), peerName: row.PeerName,
    })),
  );
}

/**
 * Callees named by a peer name that stands for a service (calls that never reached it, callers
 * that name it by address) become edges to that service; rows of one edge are merged.
 */
export function resolveEdgeRows(rows: readonly EdgeRow[]): EdgeRow[] {
  const out = new Map<string, EdgeRow>();
  for (const tenant of new Set(rows.map((r) => r.tenant))) {
    const own = rows.filter((r) => r.tenant === tenant);
    const resolution = { aliases: peerAliases(own), services: new Set([...own.map((r) => r.caller), ...own.filter((r) => r.calleeType === "service").map((r) => r.callee)]) };
    for (const row of own) {
      const callee = row.calleeType === "service" ? row.callee : resolvePeer(row.callee, resolution);
      const calleeType: NodeType = resolution.services.has(callee) ? "service" : row.calleeType;
      if (callee === row.caller) continue;
      const key = `${tenant}\u0000${row.caller}\u0000${callee}`;
      const existing = out.get(key);
      if (!existing) out.set(key, { ...row, callee, calleeType });
      else {
        existing.calls += row.calls;
        existing.errors += row.errors;
        existing.durationSumMs += row.durationSumMs;
        existing.p95Ms = Math.max(existing.p95Ms, row.p95Ms);
        existing.peerName ||= row.peerName;
        if (calleeType === "service") existing.calleeType = "service";
      }
    }
  }
  return [...out.values()].sort((a, b) => a.tenant.localeCompare(b.tenant) || a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee));
}

/** Peer names callers use for services that answered them (server.address "10.0.0.7:8082" → payments). */
export function peerAliases(edges: readonly EdgeRow[]): Map<string, string> {
  const votes = new Map<string, Map<string, number>>();
  for (const edge of edges) {
    if (edge.calleeType !== "service" || !edge.peerName || edge.peerName === edge.callee) continue;
    const byService = votes.get(edge.peerName) ?? new Map<string, number>();
    byService.set(edge.callee, (byService.get(edge.callee) ?? 0) + edge.calls);
    votes.set(edge.peerName, byService);
  }
  return new Map([...votes].map(([peer, byService]) => [peer, [...byService].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0]]));
}

/** Services that emit spans of their own (entry spans: server, consumer, roots) in [from, to). */
export async function readInstrumentedServices(store: Store, tenant: string, from: number, to: number): Promise<Set<string>> {
  const rows = await store.query<{ Node: string }>(
    `SELECT DISTINCT Node FROM {{db}}.braid_red_10s
     WHERE Tenant = {tenant:String} AND NodeType = 'service' AND Bucket >= toDateTime({from:UInt32}) AND Bucket < toDateTime({to:UInt32})`,
    { tenant, from, to },
  );
  return new Set(rows.map((row) => row.Node));
}

export interface ErrorEvidence {
  /** Error spans none of whose children erred, grouped; trace hashes for separating causes. */
  origins: RawOrigin[];
  /** Per node, the hashes of the error traces it has an error span in (services by name; callees by the raw peer name, flagged). */
  members: { node: string; isPeer: boolean; traces: number[] }[];
  /** Error traces in the window (all of them, before sampling). */
  totalErrorTraces: number;
  /** Share of error traces kept (1 unless there were more than maxTraces). */
  sampled: number;
}

/**
 * The error evidence of [from, to): every error span none of whose children erred (its service,
 * the callee it calls, whether a span of the callee answered it), and which error traces each
 * node has an error span in. At most `maxTraces` error traces are read, a deterministic sample by
 * trace-id hash, so every node's figures come from the same traces.
 */
export async function readErrorEvidence(store: Store, tenant: string, from: number, to: number, maxTraces = 4000): Promise<ErrorEvidence> {
  const window = `Tenant = {tenant:String} AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)`;
  const [count] = await store.query<{ Traces: string }>(`SELECT uniqExact(TraceId) AS Traces FROM {{db}}.otel_traces WHERE ${window} AND StatusCode = 'Error'`, { tenant, from, to });
  const totalErrorTraces = Number(count?.Traces ?? 0);
  const sampled = totalErrorTraces > maxTraces ? maxTraces / totalErrorTraces : 1;
  const params = { tenant, from, to, callerSideCodes: callerSideErrorCodes, sampleMax: Math.floor(sampled * 4294967295) };
  const errorSpans = `SELECT TraceId, SpanId, ParentSpanId, ServiceName, ErrorCode, ${callColumns} FROM {{db}}.otel_traces
     WHERE ${window} AND StatusCode = 'Error' AND xxHash32(TraceId) <= {sampleMax:UInt32}`;
  // ReportedAs: the code of the erring span in the same service that a call span's error was
  // returned to (the code that called the client), for refining the call span's code. A cancel
  // comes from above: a span cancelled because its caller gave up (a server span whose parent
  // erred) is not where the errors start, and a cancelled child does not make its parent's error
  // someone else's (the caller's timeout is the origin, judged by the boundary rule).
  const origins = await store.query<{ Service: string; IsCall: number; Peer: string; PeerType: NodeType; AnsweredBy: string; ErrorCode: string; ReportedAs: string; Count: string; Traces: number[]; Examples: string[] }>(
    `WITH e AS (${errorSpans})
     SELECT ServiceName AS Service, IsCall, Peer, PeerType, AnsweredBy, ErrorCode, ReportedAs, count() AS Count,
            groupUniqArray(100000)(xxHash32(TraceId)) AS Traces, groupUniqArray(3)(TraceId) AS Examples
     FROM (
       SELECT e.TraceId AS TraceId, e.ServiceName AS ServiceName, e.IsCall AS IsCall, e.Peer AS Peer, e.PeerType AS PeerType, e.ErrorCode AS ErrorCode,
              max(c.StatusCode = 'Error' AND NOT startsWith(c.ErrorCode, 'CANCELLED')) AS ChildErred,
              anyIf(c.ServiceName, c.ServiceName != '' AND c.ServiceName != e.ServiceName) AS AnsweredBy,
              anyIf(p.ErrorCode, e.IsCall AND p.ServiceName = e.ServiceName) AS ReportedAs, max(p.TraceId != '') AS ParentErred
       FROM e
       LEFT JOIN (SELECT TraceId, ParentSpanId, ServiceName, StatusCode, ErrorCode FROM {{db}}.otel_traces
                  WHERE Tenant = {tenant:String} AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32} + 30, 9)
                    AND (TraceId, ParentSpanId) IN (SELECT TraceId, SpanId FROM e)) AS c
         ON e.TraceId = c.TraceId AND e.SpanId = c.ParentSpanId
       LEFT JOIN (SELECT TraceId, SpanId, ServiceName, ErrorCode FROM e) AS p ON p.TraceId = e.TraceId AND p.SpanId = e.ParentSpanId
       GROUP BY e.TraceId, e.SpanId, e.ServiceName, e.IsCall, e.Peer, e.PeerType, e.ErrorCode
     )
     WHERE ChildErred = 0 AND NOT (startsWith(ErrorCode, 'CANCELLED') AND NOT IsCall AND ParentErred)
     GROUP BY Service, IsCall, Peer, PeerType, AnsweredBy, ErrorCode, ReportedAs
     ORDER BY Count DESC, Service, Peer, ErrorCode`,
    params,
  );
  const members = await store.query<{ Node: string; IsPeer: number; Traces: number[] }>(
    `WITH e AS (${errorSpans})
     SELECT Node, IsPeer, groupUniqArray(100000)(xxHash32(TraceId)) AS Traces FROM (
       SELECT TraceId, ServiceName AS Node, 0 AS IsPeer FROM e
       UNION ALL
       SELECT TraceId, Peer AS Node, 1 AS IsPeer FROM e WHERE IsCall AND Peer != '' AND Peer != ServiceName AND ErrorCode NOT IN {callerSideCodes:Array(String)}
     ) GROUP BY Node, IsPeer ORDER BY Node, IsPeer`,
    params,
  );
  return {
    origins: origins.map((row) => ({
      service: row.Service, isCall: Boolean(Number(row.IsCall)), peer: row.Peer, peerType: row.PeerType, answeredBy: row.AnsweredBy,
      errorCode: row.ErrorCode, reportedAs: row.ReportedAs, count: Number(row.Count), traces: row.Traces.map(Number), examples: row.Examples,
    })),
    members: members.map((row) => ({ node: row.Node, isPeer: Boolean(Number(row.IsPeer)), traces: row.Traces.map(Number) })),
    totalErrorTraces,
    sampled,
  };
}

/**
 * Exclusive time per call of each node, now vs a baseline: every span's duration minus its direct
 * children's, summed per node and divided by the node's entry calls. A span belongs to its
 * service, except a call span: the gap between a call and the callee's span that answered it is
 * the callee's (the edge to it), and a call no span answers is the callee's entirely (a database,
 * a peer that never answers with spans). Entry calls: a node's spans whose parent is in another
 * node, or that have none. Callee nodes come back by their raw peer name, flagged.
 */
export async function readSelfTimes(store: Store, tenant: string, baselineFrom: number, currentFrom: number, to: number): Promise<(SelfTime & { isPeer: boolean })[]> {
  const rows = await store.query<{ Node: string; NodeType: NodeType; IsPeer: number; CurrentNs: number; BaselineNs: number; Calls: string }>(
    `WITH spans AS (
       SELECT TraceId, SpanId, ParentSpanId, Timestamp, Duration, ServiceName, ${callColumns}
       FROM {{db}}.otel_traces
       WHERE Tenant = {tenant:String} AND Timestamp >= toDateTime64({baselineFrom:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)),
     attributed AS (
       SELECT s.Timestamp AS Timestamp, greatest(toInt64(s.Duration) - toInt64(k.ChildNs), 0) AS SelfNs,
              arrayFilter(x -> x != s.ServiceName, k.ChildServices)[1] AS AnsweredBy,
              s.IsCall AND AnsweredBy = '' AND s.Peer != '' AND s.Peer != s.ServiceName AS ToPeer,
              multiIf(s.IsCall AND AnsweredBy != '', AnsweredBy, ToPeer, s.Peer, s.ServiceName) AS Node,
              if(ToPeer, s.PeerType, 'service') AS NodeType,
              multiIf(s.IsCall AND AnsweredBy != '', 0, ToPeer, 1, s.ParentSpanId = '' OR p.ParentService != s.ServiceName) AS IsEntry
       FROM spans AS s
       LEFT JOIN (SELECT TraceId, ParentSpanId, sum(Duration) AS ChildNs, groupUniqArray(ServiceName) AS ChildServices FROM spans GROUP BY TraceId, ParentSpanId) AS k
         ON s.TraceId = k.TraceId AND s.SpanId = k.ParentSpanId
       LEFT JOIN (SELECT TraceId, SpanId, ServiceName AS ParentService FROM spans) AS p
         ON s.TraceId = p.TraceId AND s.ParentSpanId = p.SpanId)
     SELECT Node, NodeType, NodeType != 'service' AS IsPeer,
            sumIf(SelfNs, Timestamp >= toDateTime64({currentFrom:UInt32}, 9)) / greatest(countIf(IsEntry AND Timestamp >= toDateTime64({currentFrom:UInt32}, 9)), 1) AS CurrentNs,
            sumIf(SelfNs, Timestamp < toDateTime64({currentFrom:UInt32}, 9)) / greatest(countIf(IsEntry AND Timestamp < toDateTime64({currentFrom:UInt32}, 9)), 1) AS BaselineNs,
            countIf(IsEntry AND Timestamp >= toDateTime64({currentFrom:UInt32}, 9)) AS Calls
     FROM attributed
     GROUP BY Node, NodeType
     HAVING Calls > 0
     ORDER BY Node, NodeType`,
    { tenant, baselineFrom, currentFrom, to },
  );
  return rows.map((row) => ({ node: row.Node, nodeType: row.NodeType, isPeer: Boolean(Number(row.IsPeer)), currentMs: nsToMs(row.CurrentNs), baselineMs: nsToMs(row.BaselineNs), calls: Number(row.Calls) }));
}

/**
 * The values each configured resource attribute took in each service's spans over [from, to),
 * with when each was first and last seen (a quarter of the spans, by span id, and not the
 * internal ones: versions change at restarts, and every service sends many spans between two).
 */
export async function readAttributeSightings(store: Store, tenant: string, from: number, to: number, attributes: readonly string[]): Promise<AttributeSighting[]> {
  if (attributes.length === 0) return [];
  const rows = await store.query<{ Service: string; Attribute: string; Value: string; FirstSeen: number; LastSeen: number; Spans: string }>(
    `SELECT ServiceName AS Service, Attribute, ResourceAttributes[Attribute] AS Value,
            toUnixTimestamp(min(Timestamp)) AS FirstSeen, toUnixTimestamp(max(Timestamp)) AS LastSeen, count() AS Spans
     FROM {{db}}.otel_traces ARRAY JOIN {attributes:Array(String)} AS Attribute
     WHERE Tenant = {tenant:String} AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9) AND cityHash64(SpanId) % 4 = 0
       AND (SpanKind IN ('Server', 'Consumer', 'Client', 'Producer') OR ParentSpanId = '')
     GROUP BY Service, Attribute, Value
     HAVING Value != ''
     ORDER BY Service, Attribute, FirstSeen`,
    { tenant, from, to, attributes },
  );
  return rows.map((row) => ({ service: row.Service, attribute: row.Attribute, value: row.Value, firstSeen: Number(row.FirstSeen), lastSeen: Number(row.LastSeen), spans: Number(row.Spans) }));
}

/** Announced change events (braid_changes) of one tenant that took effect in [from, to). */
export async function readChangeEvents(store: Store, tenant: string, from: number, to: number): Promise<AnnouncedChange[]> {
  const rows = await store.query<{ ChangeId: string; At: number; Service: string; Kind: string; Version: string; PreviousVersion: string; Description: string; Author: string; Source: string; Url: string }>(
    `SELECT ChangeId, toUnixTimestamp(At) AS At, Service, Kind, Version, PreviousVersion, Description, Author, Source, Url
     FROM {{db}}.braid_changes FINAL
     WHERE Tenant = {tenant:String} AND At >= toDateTime64({from:UInt32}, 9) AND At < toDateTime64({to:UInt32}, 9)
     ORDER BY At, ChangeId LIMIT 200`,
    { tenant, from, to },
  );
  return rows.map((row) => ({
    changeId: row.ChangeId, at: Number(row.At), service: row.Service, kind: row.Kind, version: row.Version, previousVersion: row.PreviousVersion,
    description: row.Description, author: row.Author, source: row.Source, url: row.Url,
  }));
}

/** Traces that show a node at work: its failing calls first, then its slowest. `names` are the node's name and the peer names that stand for it. */
export async function readExemplarTraces(store: Store, tenant: string, names: readonly string[], from: number, to: number, limit = 5): Promise<string[]> {
  const rows = await store.query<{ TraceId: string }>(
    `SELECT TraceId FROM (SELECT TraceId, ServiceName, StatusCode, Duration, ${callColumns} FROM {{db}}.otel_traces
       WHERE Tenant = {tenant:String} AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9))
     WHERE ServiceName IN {names:Array(String)} OR (IsCall AND Peer IN {names:Array(String)})
     GROUP BY TraceId ORDER BY max(StatusCode = 'Error') DESC, max(Duration) DESC, TraceId LIMIT {limit:UInt32}`,
    { tenant, names, from, to, limit },
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
  ExemplarTraceIds: string[]; SampleLogs: string; RootCauses: string; Causes: string; Changes: string;
}

export const incidentColumns = `IncidentId, Tenant, Version, Status, Title, toUnixTimestamp(StartedAt) AS StartedAt, toUnixTimestamp(UpdatedAt) AS UpdatedAt,
  if(isNull(ResolvedAt), NULL, toUnixTimestamp(assumeNotNull(ResolvedAt))) AS ResolvedAt, Services, Operations, ErrorCodes, AnomalyIds, ExemplarTraceIds, SampleLogs, RootCauses, Causes, Changes`;

export function toIncident(row: IncidentRow): Incident {
  return {
    incidentId: row.IncidentId, tenant: row.Tenant, version: Number(row.Version), status: row.Status, title: row.Title,
    startedAt: Number(row.StartedAt), updatedAt: Number(row.UpdatedAt), resolvedAt: row.ResolvedAt === null ? null : Number(row.ResolvedAt),
    services: row.Services, operations: row.Operations,
    errorCodes: Object.fromEntries(Object.entries(row.ErrorCodes).map(([code, count]) => [code, Number(count)])),
    anomalyIds: row.AnomalyIds, exemplarTraceIds: row.ExemplarTraceIds,
    sampleLogs: JSON.parse(row.SampleLogs || "[]") as SampleLog[],
    rootCauses: JSON.parse(row.RootCauses || "[]") as Incident["rootCauses"],
    causes: JSON.parse(row.Causes || "[]") as Incident["causes"],
    changes: JSON.parse(row.Changes || "[]") as Incident["changes"],
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
        ExemplarTraceIds: i.exemplarTraceIds, SampleLogs: JSON.stringify(i.sampleLogs), RootCauses: JSON.stringify(i.rootCauses), Causes: JSON.stringify(i.causes), Changes: JSON.stringify(i.changes),
        TopRootCause: i.rootCauses[0]?.node ?? "", TopRootCauseCode: i.rootCauses[0]?.errorCode ?? "",
      })),
    );
  }
}
