// The correlator's data: RED series, anomalies, the dependency graph, incidents and root-cause
// candidates. Times are Unix seconds (bucket-aligned), durations milliseconds.

/**
 * service: emits spans of its own (server, consumer, or only client spans); database, queue,
 * peer: a callee seen only from its callers' call spans (db.system, messaging.system, anything
 * else named by peer.service / server.address / rpc.service).
 */
export type NodeType = "service" | "database" | "queue" | "peer";

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
  /** Buckets of the latest window that were anomalous each on their own. */
  anomalousBuckets: number;
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

/**
 * Where an error that starts on a call span belongs:
 *   own: on the node's own (non-call) span;
 *   caller: on a call span, but the caller's own doing (its pool, its cancel, its panic);
 *   peer: a call to a callee that never answers with spans (a database, an external API);
 *   unanswered: a call to an instrumented service that has no span for it (it never got there);
 *   answered_transport: the callee's span succeeded, the call failed on the way (TLS, reset, proxy);
 *   answered_slow: the call timed out while the callee answered slower than usual;
 *   caller_deadline: the call timed out though the callee answered in its usual time.
 */
export type BoundaryKind = "own" | "caller" | "peer" | "unanswered" | "answered_transport" | "answered_slow" | "caller_deadline";

export interface RootCauseCandidate {
  node: string;
  nodeType: NodeType;
  score: number;
  /** One plain-language sentence an on-call engineer can act on. */
  reason: string;
  /** The dominant glossary code of the errors that start at this node, if any. */
  errorCode: string;
  /** How the errors that start here were attributed (absent when none start here). */
  boundary?: BoundaryKind;
  /** For errors at a boundary: the callers whose calls to this node fail (the edges to look at). */
  callers?: string[];
  /** 1-based index of the independent cause this candidate explains, when an incident has several. */
  cause?: number;
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

/** A change to a node shortly before an incident: a new resource attribute value, or an announced change event. */
export interface ChangeEvidence {
  /** Stable id (the event's, or one derived from node, attribute and value). */
  changeId: string;
  node: string;
  at: number;
  /** version: a new service.version (or configured resource attribute) seen in the node's spans; the others are announced events. */
  kind: "version" | "deploy" | "config" | "feature_flag" | "infrastructure" | "other";
  /** Plain language: "went from 1.4.2 to 1.4.3", "deploy 7f3c2a by ci: raise pool size". */
  what: string;
  detail: Record<string, string>;
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
  /** Independent causes (disjoint error traces, or far apart with different codes), largest first; each ranked on its own evidence. */
  causes: IncidentCause[];
  /** Changes shortly before the onset: new service versions, announced deploys, config and flag changes. */
  changes: ChangeEvidence[];
}

export interface IncidentCause {
  /** The top candidate of this cause. */
  node: string;
  nodeType: NodeType;
  errorCode: string;
  /** Error traces this cause explains (sampled counts when there are many). */
  errorTraces: number;
  /** Its share of the incident's error traces. */
  share: number;
  rootCauses: RootCauseCandidate[];
  exemplarTraceIds: string[];
}

export interface SampleLog {
  timestamp: string;
  serviceName: string;
  severityText: string;
  body: string;
  traceId: string;
  errorCode: string;
}

export type IncidentEventKind = "opened" | "anomaly_added" | "root_cause_changed" | "cause_added" | "change" | "resolved";

export interface IncidentEvent {
  incidentId: string;
  tenant: string;
  eventId: string;
  at: number;
  kind: IncidentEventKind;
  message: string;
  detail: Record<string, unknown>;
}
