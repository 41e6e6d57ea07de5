// A fixed shop for the correlator's unit tests: frontend → checkout → payments → postgres, and
// checkout → inventory → redis (the topology of the examples/ emitters).
import { CorrelatorSettings } from "../schemas/config.js";
import { buildDependencyGraph } from "./graph.js";
import type { Anomaly, AnomalyKind, Edge } from "./types.js";

export const settings = CorrelatorSettings.parse({});

export const shopEdges: Edge[] = [
  { caller: "frontend", callee: "checkout", calleeType: "service", calls: 1000, errors: 0 },
  { caller: "checkout", callee: "payments", calleeType: "service", calls: 1000, errors: 0 },
  { caller: "checkout", callee: "inventory", calleeType: "service", calls: 1000, errors: 0 },
  { caller: "payments", callee: "postgres", calleeType: "database", calls: 1000, errors: 0 },
  { caller: "inventory", callee: "redis", calleeType: "database", calls: 2000, errors: 0 },
];
export const shopGraph = buildDependencyGraph(shopEdges);

export function anomaly(node: string, kind: AnomalyKind, onsetAt: number, fields: Partial<Anomaly> = {}): Anomaly {
  return {
    tenant: "default",
    node,
    nodeType: node === "postgres" || node === "redis" ? "database" : "service",
    operation: "op",
    anomalyId: `anm_${node}_${kind}`,
    kind,
    onsetAt,
    detectedAt: onsetAt + 20,
    lastSeenAt: onsetAt + 60,
    score: 10,
    observed: kind === "error_rate" ? 0.5 : 300,
    baseline: kind === "error_rate" ? 0.01 : 20,
    baselineSpread: 0,
    calls: 300,
    errors: kind === "error_rate" ? 150 : 0,
    errorCodes: {},
    // One bucket: readiness comes from the pending time unless a test says the data shows more.
    anomalousBuckets: 1,
    version: 1,
    ...fields,
  };
}
