// Root-cause ranking for one incident (or one independent cause of it), from evidence gathered
// over its window:
//   - error origins: the deepest erroring span whose children all succeeded, attributed across
//     service boundaries (correlator/boundary.ts) — TraceRCA's in/out difference, per span;
//   - error-trace share: the fraction of error traces in which the node has an error span
//     (spectrum-style ef/(ef+nf));
//   - self-time growth: exclusive time now vs the baseline, for latency incidents;
//   - a change shortly before the onset (a new service.version, a deploy or config event);
//   - the earliest onset and the node's own anomalies, as tie-breakers.
// Pure: evidence in, candidates with scores and plain-language reasons out.
import type { OriginCount } from "./boundary.js";
import { downstreamOf } from "./graph.js";
import type { Anomaly, AnomalyKind, BoundaryKind, ChangeEvidence, DependencyGraph, NodeType, RootCauseCandidate } from "./types.js";

export type { OriginCount } from "./boundary.js";

export interface SelfTime {
  node: string;
  nodeType: NodeType;
  currentMs: number;
  baselineMs: number;
  calls: number;
}

export interface RankingEvidence {
  anomalies: Anomaly[];
  origins: OriginCount[];
  errorTraceCounts: Map<string, number>;
  totalErrorTraces: number;
  selfTimes: SelfTime[];
  graph: DependencyGraph;
  changes?: ChangeEvidence[];
  /** Below this largestGrowthShare a slowdown is unexplained (correlator.minExplainedSlowdownShare). */
  minExplainedSlowdownShare?: number;
}

const weights = { origin: 0.7, errorTraces: 0.3, change: 0.1, earliestOnset: 0.06, ownAnomaly: 0.04 };

const pct = (x: number) => `${Math.round(x * 100)}%`;
const clock = (seconds: number) => new Date(seconds * 1000).toISOString().slice(11, 19);
const list = (names: Iterable<string>) => [...new Set(names)].sort().join(", ");

/** A duration in words: "40 s", "2 minutes". */
export function ago(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const minutes = Math.round(s / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.round(minutes / 60)} hours`;
}

/** "2 minutes before the errors began", "as the errors began", or the time when there is no onset. */
function whenRelative(at: number, onset: number, what: string): string {
  if (!Number.isFinite(onset)) return `at ${clock(at)}`;
  return onset - at > 10 ? `${ago(onset - at)} before the ${what} began` : `as the ${what} began`;
}

const boundaryOf = (o: OriginCount): BoundaryKind => o.boundary ?? (o.nodeType === "service" ? "own" : "peer");

/** The sentence for the errors that start at a node, from its largest group of origins. */
function originReason(node: string, own: OriginCount[], originErrors: number, originShare: number): string {
  const byBoundary = new Map<BoundaryKind, OriginCount[]>();
  for (const o of own) byBoundary.set(boundaryOf(o), [...(byBoundary.get(boundaryOf(o)) ?? []), o]);
  const [boundary, group] = [...byBoundary.entries()].sort((a, b) => sum(b[1]) - sum(a[1]))[0]!;
  const timeout = boundary === "answered_slow" || boundary === "caller_deadline" ? group.find((o) => o.errorCode.startsWith("DEADLINE_EXCEEDED")) : undefined;
  const code = (timeout ?? group[0]!).errorCode || "UNKNOWN";
  const callers = list(group.map((o) => o.via));
  const callees = list(group.map((o) => o.callee ?? "").filter(Boolean));
  const size = `${originErrors} spans, ${pct(originShare)} of the errors that start anywhere`;
  switch (boundary) {
    case "peer":
      return `calls from ${callers} to it fail with ${code} (${size})`;
    case "unanswered":
      return `calls from ${callers} to ${node} fail before reaching ${node} (no server span): ${code} (${size})`;
    case "answered_transport":
      return `${node}'s own spans succeed, but calls from ${callers} to it fail on the way: ${code} (${size})`;
    case "answered_slow":
      return `calls from ${callers} to ${node} time out (${code}) while ${node} answers slower than usual (${size})`;
    case "caller_deadline":
      return `its calls to ${callees} time out (${code}) though ${callees} answers in its usual time: its own deadline (${size})`;
    case "caller":
      return `its own errors are ${code}, recorded on its calls to ${callees} (${size})`;
    case "own":
      return `its own errors are ${code} (${size})`;
  }
}

const sum = (origins: readonly OriginCount[]) => origins.reduce((total, o) => total + o.count, 0);

/** How much a node's own time per call grew over its baseline. */
const growth = (s: SelfTime) => Math.max(0, s.currentMs - s.baselineMs);

/**
 * The share of the added own time (per call, summed over nodes: the "% of the added latency" of
 * the reasons) that the node which grew most accounts for; 1 when nothing grew. A fault
 * concentrates it (a slow dependency: 70–96% in bench:rca); CPU starvation spreads it over every
 * service (2–11%). Only nodes with a baseline count: without one (a node new in the window, or
 * history shorter than the baseline window) all its own time would look added.
 */
export function largestGrowthShare(selfTimes: readonly SelfTime[]): number {
  const measured = selfTimes.filter((s) => s.baselineMs > 0);
  const total = measured.reduce((sum, s) => sum + growth(s), 0);
  return total > 0 ? Math.max(...measured.map(growth)) / total : 1;
}

export function rankRootCauses(evidence: RankingEvidence, limit = 5): RootCauseCandidate[] {
  const { origins, selfTimes, graph } = evidence;
  const changes = evidence.changes ?? [];
  // A slowdown no node explains (spread over every service: the host's, e.g. CPU starvation) says
  // nothing about where a fault is; when errors have an origin, they alone are judged, so latency
  // anomalies that began earlier everywhere do not outrank the node the errors start at.
  const unexplained = largestGrowthShare(selfTimes) < (evidence.minExplainedSlowdownShare ?? 0.3);
  const anomalies = unexplained && origins.length > 0 ? evidence.anomalies.filter((a) => a.kind === "error_rate") : evidence.anomalies;
  const errorAnomalies = anomalies.filter((a) => a.kind === "error_rate").length;
  // An incident with error origins but no error-rate anomaly yet (a boundary fault the callee
  // never sees) is still an error incident.
  const errorWeight = anomalies.length === 0 ? 1 : Math.max(errorAnomalies / anomalies.length, origins.length > 0 && errorAnomalies === 0 ? 0.5 : 0);
  const latencyWeight = 1 - errorWeight;

  const nodeTypes = new Map<string, NodeType>();
  const candidates = new Set<string>();
  for (const a of evidence.anomalies) (candidates.add(a.node), nodeTypes.set(a.node, a.nodeType));
  for (const s of selfTimes) if (s.currentMs > s.baselineMs) (candidates.add(s.node), nodeTypes.has(s.node) || nodeTypes.set(s.node, s.nodeType));
  // Attributed origins say best what a node is (a peer's client-side series may call it "peer").
  for (const o of origins) (candidates.add(o.node), nodeTypes.set(o.node, o.nodeType));
  for (const c of changes) if (candidates.has(c.node) || graph.nodes.has(c.node)) candidates.add(c.node);

  const totalOrigins = sum(origins);
  const totalGrowth = selfTimes.reduce((total, s) => total + growth(s), 0);
  const earliest = Math.min(...anomalies.map((a) => a.onsetAt));

  const ranked = [...candidates].map((node): RootCauseCandidate => {
    const own = origins.filter((o) => o.node === node).sort((a, b) => b.count - a.count);
    const originErrors = sum(own);
    const originShare = totalOrigins > 0 ? originErrors / totalOrigins : 0;
    const errorTraceShare = evidence.totalErrorTraces > 0 ? Math.min(1, (evidence.errorTraceCounts.get(node) ?? 0) / evidence.totalErrorTraces) : 0;
    const self = selfTimes.find((s) => s.node === node);
    const selfShare = self && totalGrowth > 0 ? growth(self) / totalGrowth : 0;
    const nodeAnomalies = anomalies.filter((a) => a.node === node);
    const earliestOnset = nodeAnomalies.some((a) => a.onsetAt === earliest);
    const change = changes.filter((c) => c.node === node).sort((a, b) => b.at - a.at)[0];
    const score =
      errorWeight * (weights.origin * originShare + weights.errorTraces * errorTraceShare) +
      latencyWeight * selfShare +
      (change ? weights.change : 0) +
      (earliestOnset ? weights.earliestOnset : 0) +
      (nodeAnomalies.length > 0 ? weights.ownAnomaly : 0);

    const reasons: string[] = [];
    if (earliestOnset) reasons.push(`earliest onset (${clock(earliest)})`);
    if (originErrors > 0) reasons.push(originReason(node, own, originErrors, originShare));
    if (errorTraceShare > 0) reasons.push(`${errorTraceShare >= 0.995 ? "every" : pct(errorTraceShare) + " of"} error trace${errorTraceShare >= 0.995 ? "" : "s"} ${errorTraceShare >= 0.995 ? "passes" : "pass"} through it`);
    if (self && growth(self) > 0 && latencyWeight > 0) reasons.push(`its own time grew from ${self.baselineMs.toFixed(1)} ms to ${self.currentMs.toFixed(1)} ms per call (${pct(selfShare)} of the added latency)`);
    if (change) reasons.push(`${node} ${change.what} ${whenRelative(change.at, earliest, errorWeight >= 0.5 ? "errors" : "slowdown")}`);
    const anomalousDownstream = [...downstreamOf(graph, node)].filter((callee) => anomalies.some((a) => a.node === callee));
    if (anomalousDownstream.length === 0 && graph.nodes.has(node) && nodeAnomalies.length > 0) reasons.push("nothing it calls is anomalous");
    if (nodeAnomalies.length > 0 && reasons.length === 0) reasons.push(describeAnomalies(nodeAnomalies));

    const top = own[0];
    const boundary = top ? boundaryOf(top) : undefined;
    // A timeout judged at a boundary: the deadline code says more than the cancel some clients record for it.
    const code = (boundary === "answered_slow" || boundary === "caller_deadline") && !top!.errorCode.startsWith("DEADLINE_EXCEEDED")
      ? (own.find((o) => boundaryOf(o) === boundary && o.errorCode.startsWith("DEADLINE_EXCEEDED"))?.errorCode ?? top!.errorCode)
      : (top?.errorCode ?? "");
    const callers = own.filter((o) => o.via !== node).map((o) => o.via);
    return {
      node,
      nodeType: nodeTypes.get(node) ?? "service",
      score: Math.round(score * 1000) / 1000,
      reason: capitalize(reasons.join("; ")) || "Part of the incident",
      errorCode: code,
      ...(boundary ? { boundary } : {}),
      ...(callers.length > 0 ? { callers: [...new Set(callers)].sort() } : {}),
      evidence: {
        originErrors,
        originShare: Math.round(originShare * 1000) / 1000,
        errorTraceShare: Math.round(errorTraceShare * 1000) / 1000,
        selfTimeMs: round1(self?.currentMs ?? 0),
        baselineSelfTimeMs: round1(self?.baselineMs ?? 0),
        earliestOnset,
        anomalyKinds: [...new Set(nodeAnomalies.map((a) => a.kind))] as AnomalyKind[],
      },
    };
  });
  return ranked.sort((a, b) => b.score - a.score || a.node.localeCompare(b.node)).slice(0, limit);
}

function describeAnomalies(list: Anomaly[]): string {
  return list
    .map((a) => (a.kind === "error_rate" ? `error rate ${pct(a.observed)} vs ${pct(a.baseline)} before` : `p95 ${a.observed.toFixed(0)} ms vs ${a.baseline.toFixed(0)} ms before`))
    .join(", ");
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const round1 = (x: number) => Math.round(x * 10) / 10;
