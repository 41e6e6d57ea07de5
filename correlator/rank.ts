// Root-cause ranking for one incident, from evidence gathered over its window:
//   - error origins: the deepest erroring span whose children all succeeded (a client span to a
//     database counts for the database) — TraceRCA's in/out difference, per span;
//   - error-trace share: the fraction of error traces in which the node has an error span
//     (spectrum-style ef/(ef+nf));
//   - self-time growth: exclusive time now vs the baseline, for latency incidents;
//   - the earliest onset and the node's own anomalies, as tie-breakers.
// Pure: evidence in, candidates with scores and plain-language reasons out.
import { downstreamOf } from "./graph.js";
import type { Anomaly, AnomalyKind, DependencyGraph, NodeType, RootCauseCandidate } from "./types.js";

export interface OriginCount {
  node: string;
  nodeType: NodeType;
  errorCode: string;
  /** The service whose client span recorded it, when node is a database. */
  via: string;
  count: number;
}

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
}

const weights = { origin: 0.7, errorTraces: 0.3, earliestOnset: 0.06, ownAnomaly: 0.04 };

const pct = (x: number) => `${Math.round(x * 100)}%`;
const clock = (seconds: number) => new Date(seconds * 1000).toISOString().slice(11, 19);

export function rankRootCauses(evidence: RankingEvidence, limit = 5): RootCauseCandidate[] {
  const { anomalies, origins, selfTimes, graph } = evidence;
  const errorAnomalies = anomalies.filter((a) => a.kind === "error_rate").length;
  const errorWeight = anomalies.length === 0 ? 1 : errorAnomalies / anomalies.length;
  const latencyWeight = 1 - errorWeight;

  const nodeTypes = new Map<string, NodeType>();
  const candidates = new Set<string>();
  for (const a of anomalies) (candidates.add(a.node), nodeTypes.set(a.node, a.nodeType));
  for (const o of origins) (candidates.add(o.node), nodeTypes.set(o.node, o.nodeType));
  for (const s of selfTimes) if (s.currentMs > s.baselineMs) (candidates.add(s.node), nodeTypes.set(s.node, s.nodeType));

  const totalOrigins = origins.reduce((sum, o) => sum + o.count, 0);
  const growth = (s: SelfTime) => Math.max(0, s.currentMs - s.baselineMs);
  const totalGrowth = selfTimes.reduce((sum, s) => sum + growth(s), 0);
  const earliest = Math.min(...anomalies.map((a) => a.onsetAt));

  const ranked = [...candidates].map((node): RootCauseCandidate => {
    const own = origins.filter((o) => o.node === node).sort((a, b) => b.count - a.count);
    const originErrors = own.reduce((sum, o) => sum + o.count, 0);
    const originShare = totalOrigins > 0 ? originErrors / totalOrigins : 0;
    const errorTraceShare = evidence.totalErrorTraces > 0 ? (evidence.errorTraceCounts.get(node) ?? 0) / evidence.totalErrorTraces : 0;
    const self = selfTimes.find((s) => s.node === node);
    const selfShare = self && totalGrowth > 0 ? growth(self) / totalGrowth : 0;
    const nodeAnomalies = anomalies.filter((a) => a.node === node);
    const earliestOnset = nodeAnomalies.some((a) => a.onsetAt === earliest);
    const score =
      errorWeight * (weights.origin * originShare + weights.errorTraces * errorTraceShare) +
      latencyWeight * selfShare +
      (earliestOnset ? weights.earliestOnset : 0) +
      (nodeAnomalies.length > 0 ? weights.ownAnomaly : 0);

    const reasons: string[] = [];
    if (earliestOnset) reasons.push(`earliest onset (${clock(earliest)})`);
    if (originErrors > 0) {
      const top = own[0]!;
      const code = top.errorCode || "UNKNOWN";
      reasons.push(
        nodeTypes.get(node) === "database"
          ? `calls from ${[...new Set(own.map((o) => o.via))].join(", ")} to it fail with ${code} (${originErrors} spans, ${pct(originShare)} of the errors that start anywhere)`
          : `its own errors are ${code} (${originErrors} spans, ${pct(originShare)} of the errors that start anywhere)`,
      );
    }
    if (errorTraceShare > 0) reasons.push(`${errorTraceShare >= 0.995 ? "every" : pct(errorTraceShare) + " of"} error trace${errorTraceShare >= 0.995 ? "" : "s"} ${errorTraceShare >= 0.995 ? "passes" : "pass"} through it`);
    if (self && growth(self) > 0 && latencyWeight > 0) reasons.push(`its own time grew from ${self.baselineMs.toFixed(1)} ms to ${self.currentMs.toFixed(1)} ms per call (${pct(selfShare)} of the added latency)`);
    const anomalousDownstream = [...downstreamOf(graph, node)].filter((callee) => anomalies.some((a) => a.node === callee));
    if (anomalousDownstream.length === 0 && graph.nodes.has(node) && nodeAnomalies.length > 0) reasons.push("nothing it calls is anomalous");
    if (nodeAnomalies.length > 0 && reasons.length === 0) reasons.push(describeAnomalies(nodeAnomalies));

    return {
      node,
      nodeType: nodeTypes.get(node) ?? "service",
      score: Math.round(score * 1000) / 1000,
      reason: capitalize(reasons.join("; ")) || "Part of the incident",
      errorCode: own[0]?.errorCode ?? "",
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
