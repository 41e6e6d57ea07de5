// The correlator's data: RED series, anomalies, the dependency graph, incidents and root-cause
// candidates. Times are Unix seconds (bucket-aligned), durations milliseconds.

export type NodeType = "service" | "database";

/** One 10-second bucket of a node's operation. */
export interface RedBucket {
  bucket: number;
  calls: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface SeriesKey {
  tenant: string;
  node: string;
  nodeType: NodeType;
  operation: string;
}

export interface RedSeries extends SeriesKey {
  sourceLanguage: string;
  buckets: RedBucket[];
}

/** The detection window merged into one figure per series (quantiles merged, not averaged). */
export interface WindowStats {
  calls: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errorCodes: Record<string, number>;
}

export type AnomalyKind = "error_rate" | "latency" | "latency_budget";

export interface Anomaly extends SeriesKey {
  anomalyId: string;
  kind: AnomalyKind;
  onsetAt: number;
  detectedAt: number;
  lastSeenAt: number;
  /** Robust score (x − median) / spread; for budgets, observed / threshold. */
  score: number;
  /** Error ratio (0..1) or latency (ms) in the detection window. */
  observed: number;
  /** The baseline it was compared with (frozen at detection, so a long fault stays anomalous). */
  baseline: number;
  baselineSpread: number;
  calls: number;
  errors: number;
  errorCodes: Record<string, number>;
  version: number;
}

export interface Edge {
  caller: string;
  callee: string;
  calleeType: NodeType;
  calls: number;
  errors: number;
}

export interface DependencyGraph {
  nodes: Set<string>;
  edges: Edge[];
  /** Callees of each node. */
  downstream: Map<string, Set<string>>;
  /** Callers of each node. */
  upstream: Map<string, Set<string>>;
}

export interface RootCauseCandidate {
  node: string;
  nodeType: NodeType;
  score: number;
  /** One plain-language sentence an on-call engineer can act on. */
  reason: string;
  /** The dominant glossary code of the errors that start at this node, if any. */
  errorCode: string;
  evidence: {
    originErrors: number;
    originShare: number;
    errorTraceShare: number;
    selfTimeMs: number;
    baselineSelfTimeMs: number;
    earliestOnset: boolean;
    anomalyKinds: AnomalyKind[];
  };
}

export type IncidentStatus = "open" | "resolved";

export interface Incident {
  incidentId: string;
  tenant: string;
  version: number;
  status: IncidentStatus;
  title: string;
  startedAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  services: string[];
  operations: string[];
  errorCodes: Record<string, number>;
  anomalyIds: string[];
  exemplarTraceIds: string[];
  sampleLogs: SampleLog[];
  rootCauses: RootCauseCandidate[];
}

export interface SampleLog {
  timestamp: string;
  serviceName: string;
  severityText: string;
  body: string;
  traceId: string;
  errorCode: string;
}

export type IncidentEventKind = "opened" | "anomaly_added" | "root_cause_changed" | "resolved";

export interface IncidentEvent {
  incidentId: string;
  tenant: string;
  eventId: string;
  at: number;
  kind: IncidentEventKind;
  message: string;
  detail: Record<string, unknown>;
}
