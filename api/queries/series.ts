// RED over time for one node (a service, or a database seen from its callers' client spans), from
// the correlator's braid_red_10s view, in steps of a multiple of its 10-second buckets; and the
// RED figures of each of the node's operations. Tenant-scoped like every query of the API.
import type { NodeType } from "../../correlator/index.js";
import { tenantCondition } from "../caller.js";
import type { Store } from "../../store/index.js";

export interface NodeRef {
  tenant: string;
  node: string;
  nodeType: NodeType;
}

export interface RedPoint {
  /** Start of the step, Unix seconds. */
  time: number;
  calls: number;
  errors: number;
  /** Milliseconds; null for a step without calls. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

const ms = (ns: number | undefined) => Math.round(Number(ns ?? 0) / 1e3) / 1e3;

interface SeriesRow {
  Key: number;
  T: number;
  Calls: string;
  Errors: string;
  Q: number[];
}

/** Every step in [fromSeconds, toSeconds), a step without calls included (calls 0, latencies null). */
function fillSteps(rows: SeriesRow[], fromSeconds: number, toSeconds: number, stepSeconds: number): RedPoint[] {
  const byTime = new Map(rows.map((row) => [Number(row.T), row]));
  const points: RedPoint[] = [];
  for (let time = Math.floor(fromSeconds / stepSeconds) * stepSeconds; time < toSeconds; time += stepSeconds) {
    const row = byTime.get(time);
    const calls = Number(row?.Calls ?? 0);
    points.push({
      time,
      calls,
      errors: Number(row?.Errors ?? 0),
      p50Ms: row && calls > 0 ? ms(row.Q[0]) : null,
      p95Ms: row && calls > 0 ? ms(row.Q[1]) : null,
      p99Ms: row && calls > 0 ? ms(row.Q[2]) : null,
    });
  }
  return points;
}

export interface SeriesKey {
  node: string;
  nodeType: NodeType;
  /** One operation, or "" for all of the node's operations. */
  operation: string;
}

/** The RED series of several (node, operation)s over one range, in one scan; one list of points per key, in order. */
export async function redSeriesOf(store: Store, tenant: string, keys: readonly SeriesKey[], range: { fromSeconds: number; toSeconds: number; stepSeconds: number }): Promise<RedPoint[][]> {
  if (keys.length === 0) return [];
  const rows = await store.query<SeriesRow>(
    `SELECT arrayJoin(arrayFilter(i -> Node = {nodes:Array(String)}[i] AND NodeType = {nodeTypes:Array(String)}[i]
                                     AND ({operations:Array(String)}[i] = '' OR Operation = {operations:Array(String)}[i]), range(1, length({nodes:Array(String)}) + 1))) AS Key,
            toUInt32(intDiv(toUnixTimestamp(Bucket), {step:UInt32}) * {step:UInt32}) AS T, sum(Calls) AS Calls, sum(Errors) AS Errors,
            quantilesTDigestMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS Q
     FROM {{db}}.braid_red_10s
     WHERE ${tenantCondition()} AND Node IN {nodes:Array(String)}
       AND Bucket >= toDateTime({from:UInt32}) AND Bucket < toDateTime({to:UInt32})
     GROUP BY Key, T ORDER BY Key, T`,
    {
      tenant,
      nodes: keys.map((k) => k.node),
      nodeTypes: keys.map((k) => k.nodeType),
      operations: keys.map((k) => k.operation),
      from: range.fromSeconds,
      to: range.toSeconds,
      step: range.stepSeconds,
    },
  );
  return keys.map((_key, index) => fillSteps(rows.filter((row) => Number(row.Key) === index + 1), range.fromSeconds, range.toSeconds, range.stepSeconds));
}

/** One node's RED series (all operations, or one). */
export async function redSeries(store: Store, ref: NodeRef & { operation?: string; fromSeconds: number; toSeconds: number; stepSeconds: number }): Promise<RedPoint[]> {
  const [points] = await redSeriesOf(store, ref.tenant, [{ node: ref.node, nodeType: ref.nodeType, operation: ref.operation ?? "" }], ref);
  return points!;
}

export interface OperationSummary {
  operation: string;
  sourceLanguage: string;
  calls: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** RED per operation of one node over a range, busiest first. */
export async function nodeOperations(store: Store, ref: NodeRef & { fromSeconds: number; toSeconds: number }): Promise<OperationSummary[]> {
  const rows = await store.query<{ Operation: string; SourceLanguage: string; Calls: string; Errors: string; Q: number[] }>(
    `SELECT Operation, anyIf(SourceLanguage, SourceLanguage != '') AS SourceLanguage, sum(Calls) AS Calls, sum(Errors) AS Errors,
            quantilesTDigestMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS Q
     FROM {{db}}.braid_red_10s
     WHERE ${tenantCondition()} AND Node = {node:String} AND NodeType = {nodeType:String}
       AND Bucket >= toDateTime({from:UInt32}) AND Bucket < toDateTime({to:UInt32})
     GROUP BY Operation ORDER BY Calls DESC, Operation`,
    { tenant: ref.tenant, node: ref.node, nodeType: ref.nodeType, from: ref.fromSeconds, to: ref.toSeconds },
  );
  return rows.map((row) => ({
    operation: row.Operation,
    sourceLanguage: row.SourceLanguage,
    calls: Number(row.Calls),
    errors: Number(row.Errors),
    p50Ms: ms(row.Q[0]),
    p95Ms: ms(row.Q[1]),
    p99Ms: ms(row.Q[2]),
  }));
}

/** A step (seconds, a multiple of the 10-second bucket) that gives at most `maxPoints` points. */
export function stepFor(rangeSeconds: number, maxPoints = 360): number {
  return Math.max(10, Math.ceil(rangeSeconds / maxPoints / 10) * 10);
}

/** The node's RED figures over the range, all operations merged (quantiles merged, not averaged). */
export async function nodeTotal(store: Store, ref: NodeRef & { fromSeconds: number; toSeconds: number }): Promise<Omit<OperationSummary, "operation"> | undefined> {
  const rows = await store.query<{ SourceLanguage: string; Calls: string; Errors: string; Q: number[] }>(
    `SELECT anyIf(SourceLanguage, SourceLanguage != '') AS SourceLanguage, sum(Calls) AS Calls, sum(Errors) AS Errors,
            quantilesTDigestMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS Q
     FROM {{db}}.braid_red_10s
     WHERE ${tenantCondition()} AND Node = {node:String} AND NodeType = {nodeType:String}
       AND Bucket >= toDateTime({from:UInt32}) AND Bucket < toDateTime({to:UInt32})
     HAVING Calls > 0`,
    { tenant: ref.tenant, node: ref.node, nodeType: ref.nodeType, from: ref.fromSeconds, to: ref.toSeconds },
  );
  const row = rows[0];
  if (!row) return undefined;
  return { sourceLanguage: row.SourceLanguage || "unknown", calls: Number(row.Calls), errors: Number(row.Errors), p50Ms: ms(row.Q[0]), p95Ms: ms(row.Q[1]), p99Ms: ms(row.Q[2]) };
}
