// Several faults at once: the error origins of one incident split into independent causes, each
// ranked on its own evidence. Two origin nodes belong to one cause when
//   - their error traces overlap (most traces of the smaller one also start at the larger one)
//     and they are near in the graph or fail the same way — one failure seen at two places; or
//   - they fail the same propagating way (a timeout, an unavailable peer) within two hops of each
//     other along the call direction — one failure cascading up a call chain, each request
//     giving up at a different hop, so their traces need not overlap.
// Otherwise they are independent: disjoint error traces, or far apart with different codes (a
// panic in one service, redis timeouts under another). Small origin nodes (noise, stragglers)
// join the cause whose traces they share most, else the largest.
// Pure: attributed origins and trace memberships in, causes out.
import { isTransportCode, type OriginCount } from "./boundary.js";
import type { SelfTime } from "./rank.js";
import type { Anomaly, DependencyGraph } from "./types.js";

export interface Cause {
  /** Origin nodes of this cause, largest first. */
  nodes: string[];
  origins: OriginCount[];
  /** Hashes of the error traces it explains. */
  traces: Set<number>;
}

export interface CauseOptions {
  /** A node needs this many error traces, and this share of all, to stand as a cause of its own. */
  minTraces: number;
  minShare: number;
  /** Share of the smaller node's traces that must also start at the other to call them one failure. */
  overlap: number;
  /** Hops along the call direction within which a propagating failure is one cascade. */
  cascadeHops: number;
}

export const defaultCauseOptions: CauseOptions = { minTraces: 5, minShare: 0.15, overlap: 0.5, cascadeHops: 2 };

const canonical = (code: string) => code.split(".")[0] ?? "";

/** Hops from `from` down to `to` following caller → callee edges, or Infinity beyond maxHops. */
function directedHops(graph: DependencyGraph, from: string, to: string, maxHops: number): number {
  if (from === to) return 0;
  let frontier = new Set([from]);
  const seen = new Set([from]);
  for (let hops = 1; hops <= maxHops; hops++) {
    const next = new Set<string>();
    for (const node of frontier) {
      for (const callee of graph.downstream.get(node) ?? []) {
        if (callee === to) return hops;
        if (!seen.has(callee)) (seen.add(callee), next.add(callee));
      }
    }
    frontier = next;
  }
  return Number.POSITIVE_INFINITY;
}

interface NodeOrigins {
  node: string;
  origins: OriginCount[];
  traces: Set<number>;
  /** The code with the most spans. */
  code: string;
}

function byNode(origins: readonly OriginCount[]): NodeOrigins[] {
  const nodes = new Map<string, NodeOrigins & { codeCounts: Map<string, number> }>();
  for (const origin of origins) {
    let entry = nodes.get(origin.node);
    if (!entry) nodes.set(origin.node, (entry = { node: origin.node, origins: [], traces: new Set(), code: "", codeCounts: new Map() }));
    entry.origins.push(origin);
    for (const t of origin.traces ?? []) entry.traces.add(t);
    entry.codeCounts.set(origin.errorCode, (entry.codeCounts.get(origin.errorCode) ?? 0) + origin.count);
  }
  return [...nodes.values()]
    .map(({ codeCounts, ...rest }) => ({ ...rest, code: [...codeCounts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0] }))
    .sort((a, b) => b.traces.size - a.traces.size || sumCounts(b.origins) - sumCounts(a.origins) || a.node.localeCompare(b.node));
}

const sumCounts = (origins: readonly OriginCount[]) => origins.reduce((total, o) => total + o.count, 0);

function intersectionSize(a: ReadonlySet<number>, b: ReadonlySet<number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let n = 0;
  for (const t of small) if (large.has(t)) n++;
  return n;
}

/** True when two origin nodes look like one failure (see the file comment). */
export function sameCause(a: NodeOrigins, b: NodeOrigins, graph: DependencyGraph, options: CauseOptions): boolean {
  const hops = Math.min(directedHops(graph, a.node, b.node, options.cascadeHops), directedHops(graph, b.node, a.node, options.cascadeHops));
  const near = hops <= options.cascadeHops;
  const sameCode = canonical(a.code) === canonical(b.code);
  if (near && sameCode && isTransportCode(a.code) && isTransportCode(b.code)) return true;
  const smaller = Math.min(a.traces.size, b.traces.size);
  const overlapping = smaller > 0 && intersectionSize(a.traces, b.traces) / smaller >= options.overlap;
  return overlapping && (near || sameCode);
}

/** Splits an incident's attributed origins into independent causes, largest first (one cause when they all hang together). */
export function separateCauses(origins: readonly OriginCount[], graph: DependencyGraph, options: CauseOptions = defaultCauseOptions): Cause[] {
  const nodes = byNode(origins);
  if (nodes.length === 0) return [];
  const all = new Set<number>();
  for (const n of nodes) for (const t of n.traces) all.add(t);
  const threshold = Math.max(options.minTraces, options.minShare * all.size);
  const significant = nodes.filter((n) => n.traces.size >= threshold);
  const rest = nodes.filter((n) => n.traces.size < threshold);
  if (significant.length <= 1) return [toCause(nodes)];

  const parent = significant.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < significant.length; i++) {
    for (let j = i + 1; j < significant.length; j++) {
      if (find(i) !== find(j) && sameCause(significant[i]!, significant[j]!, graph, options)) parent[find(j)] = find(i);
    }
  }
  const groups = new Map<number, NodeOrigins[]>();
  significant.forEach((n, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), n]));
  const clusters = [...groups.values()].map((members) => ({ members, traces: new Set(members.flatMap((m) => [...m.traces])) }));
  // Stragglers join the cause they share most traces with, else the largest.
  clusters.sort((a, b) => b.traces.size - a.traces.size);
  for (const small of rest) {
    const best = clusters
      .map((c, index) => ({ index, shared: intersectionSize(c.traces, small.traces) }))
      .sort((a, b) => b.shared - a.shared || a.index - b.index)[0]!;
    clusters[best.shared > 0 ? best.index : 0]!.members.push(small);
  }
  return clusters.map((c) => toCause(c.members)).sort((a, b) => b.traces.size - a.traces.size || sumCounts(b.origins) - sumCounts(a.origins));
}

function toCause(members: NodeOrigins[]): Cause {
  const traces = new Set<number>();
  for (const m of members) for (const t of m.traces) traces.add(t);
  return { nodes: members.map((m) => m.node), origins: members.flatMap((m) => m.origins), traces };
}

/** How many of `traces` each node's error spans appear in (the error-trace share, restricted to one cause). */
export function restrictMemberships(members: ReadonlyMap<string, readonly number[]>, traces: ReadonlySet<number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [node, list] of members) {
    let n = 0;
    for (const t of list) if (traces.has(t)) n++;
    if (n > 0) counts.set(node, n);
  }
  return counts;
}

/**
 * What one of several independent causes is ranked on: its error traces' counts by node, and the
 * anomalies and own-time growth of the nodes those traces pass through. A node none of them pass
 * through is another cause's (a slow redis beside a panicking service): its slowdown would
 * otherwise compete with the node the cause's errors start at.
 */
export function causeEvidence(
  members: ReadonlyMap<string, readonly number[]>,
  traces: ReadonlySet<number>,
  anomalies: readonly Anomaly[],
  selfTimes: readonly SelfTime[],
): { errorTraceCounts: Map<string, number>; anomalies: Anomaly[]; selfTimes: SelfTime[] } {
  const errorTraceCounts = restrictMemberships(members, traces);
  return {
    errorTraceCounts,
    anomalies: anomalies.filter((a) => errorTraceCounts.has(a.node)),
    selfTimes: selfTimes.filter((s) => errorTraceCounts.has(s.node)),
  };
}
