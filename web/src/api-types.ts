// The shapes of the API responses the page reads, as /api/docs/openapi.json describes them
// (the zod schemas in api/routes/ are the source of truth; these mirror the fields used here).

/** service: emits spans; database, queue, peer: a callee seen only from its callers' call spans. */
export type NodeType = "service" | "database" | "queue" | "peer";

export interface RootCause {
  Node: string;
  NodeType: NodeType;
  Score: number;
  Reason: string;
  ErrorCode: string;
  Evidence: {
    OriginErrors: number;
    OriginShare: number;
    ErrorTraceShare: number;
    SelfTimeMs: number;
    BaselineSelfTimeMs: number;
    EarliestOnset: boolean;
    AnomalyKinds: string[];
  };
}

export interface IncidentSummary {
  IncidentId: string;
  Tenant: string;
  Status: "open" | "resolved";
  Title: string;
  StartedAt: string;
  UpdatedAt: string;
  ResolvedAt: string | null;
  Services: string[];
  ErrorCodes: Record<string, number>;
  TopRootCause: RootCause | null;
}

export interface IncidentList {
  Total: number;
  Limit: number;
  Offset: number;
  Incidents: IncidentSummary[];
}

export interface Anomaly {
  AnomalyId: string;
  Node: string;
  NodeType: string;
  Operation: string;
  Kind: "error_rate" | "latency" | "latency_budget";
  OnsetAt: string;
  DetectedAt: string;
  LastSeenAt: string;
  Score: number;
  Observed: number;
  Baseline: number;
  Calls: number;
  Errors: number;
  ErrorCodes: Record<string, number>;
}

export interface IncidentDetail extends IncidentSummary {
  Operations: string[];
  RootCauses: RootCause[];
  Timeline: { At: string; Kind: string; Message: string; Detail: Record<string, unknown> }[];
  Anomalies: Anomaly[];
  ExemplarTraceIds: string[];
  SampleLogs: { Timestamp: string; ServiceName: string; SeverityText: string; Body: string; TraceId: string; ErrorCode: string }[];
  /** Independent causes (disjoint error traces, or far apart with different codes), largest first. */
  Causes?: { Node: string; NodeType: NodeType; ErrorCode: string; ErrorTraces: number; Share: number; RootCauses: RootCause[]; ExemplarTraceIds: string[] }[];
  /** Alerts that fired on the incident's services while it was open (absent from a Braid without alerting). */
  Alerts?: Alert[];
}

export interface RedPoint {
  Time: string;
  Calls: number;
  Errors: number;
  ErrorRate: number | null;
  P50Ms: number | null;
  P95Ms: number | null;
  P99Ms: number | null;
}

export interface AnomalySeries {
  Anomaly: Anomaly;
  Figure: "ErrorRate" | "P50Ms" | "P95Ms" | "P99Ms";
  Baseline: number;
  From: string;
  To: string;
  StepSeconds: number;
  Points: RedPoint[];
}

export interface IncidentSeries {
  IncidentId: string;
  From: string;
  To: string;
  StepSeconds: number;
  Series: { Anomaly: Anomaly; Figure: AnomalySeries["Figure"]; Baseline: number; Points: RedPoint[] }[];
}

export interface NodeSeries {
  Node: string;
  NodeType: NodeType;
  Operation: string | null;
  StepSeconds: number;
  Points: RedPoint[];
}

export interface Red {
  RequestsPerSecond: number;
  ErrorRate: number;
  Calls: number;
  Errors: number;
  P50Ms: number;
  P95Ms: number;
  P99Ms: number;
}

export interface ServiceDetail extends Red {
  Node: string;
  NodeType: NodeType;
  SourceLanguage: string;
  Operations: (Red & { Operation: string })[];
}

export interface ServiceList {
  Services: (Red & { ServiceName: string; SourceLanguage: string; Operations: string[] })[];
}

export interface ServiceMap {
  From: string;
  To: string;
  Nodes: (Red & { Node: string; NodeType: NodeType; SourceLanguage: string })[];
  Edges: { Caller: string; Callee: string; CalleeType: string; Calls: number; Errors: number; ErrorRate: number; RequestsPerSecond: number; P95Ms: number }[];
}

export interface AnomalyList {
  Anomalies: Anomaly[];
}

export interface LogRecord {
  Timestamp: string;
  ServiceName: string;
  SeverityText: string;
  SeverityNumber: number;
  Body: string;
  TraceId: string;
  SpanId: string;
  ErrorCode: string;
  SourceLanguage: string;
  LogFormat: string;
  LogAttributes: Record<string, string>;
}

export interface LogSearch {
  Limit: number;
  Offset: number;
  Logs: LogRecord[];
}

export interface Span {
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  ServiceName: string;
  SpanName: string;
  SpanKind: string;
  Timestamp: string;
  TimestampNs: string;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  ErrorCode: string;
  ErrorRetryable: boolean;
  ErrorMessage: string;
  SourceLanguage: string;
  Depth: number;
  StartOffsetNs: number;
  ClockSkewNs: number;
  CriticalPathNs: number;
  SpanAttributes: Record<string, string>;
  ResourceAttributes: Record<string, string>;
  Events: { Timestamp: string; Name: string; Attributes: Record<string, string> }[];
  Links: { TraceId: string; SpanId: string }[];
}

export interface Trace {
  TraceId: string;
  SpanCount: number;
  TraceStartNs: string;
  RootSpanId: string;
  Truncated: boolean;
  Services: { ServiceName: string; SourceLanguage: string; SpanCount: number; ErrorCount: number }[];
  CriticalPath: { SpanId: string; ServiceName: string; SpanName: string; StartOffsetNs: number; DurationNs: number }[];
  LatencyAttribution: {
    TotalNs: number;
    Services: { Node: string; NodeType: NodeType; CriticalPathNs: number; Share: number }[];
    Hops: { Caller: string; Callee: string; CriticalPathNs: number; Share: number }[];
    Budgets: { ServiceName: string; Operation: string | null; Quantile: string; ThresholdMs: number; EntrySpanId: string; EntryMs: number; CriticalPathMs: number; Exceeded: boolean }[];
  };
  Spans: Span[];
  Logs: LogRecord[];
}

export interface ErrorGroup {
  ErrorCode: string;
  Title: string;
  Class: string;
  Severity: string;
  ServiceName: string;
  SourceLanguage: string;
  ErrorFingerprint: string;
  Count: number;
  SpanCount: number;
  LogCount: number;
  Retryable: boolean;
  FirstSeen: string;
  LastSeen: string;
  SampleMessages: string[];
}

export interface ErrorCounts {
  From: string;
  To: string;
  GlossaryVersion: string;
  Errors: ErrorGroup[];
}

export interface GlossaryEntry {
  code: string;
  title: string;
  description: string;
  retryable: boolean;
  class: string;
  severity: string;
  remedy: string;
}

export interface Glossary {
  version: string;
  entries: GlossaryEntry[];
}

export interface Alert {
  Fingerprint: string;
  RuleId: string;
  RuleName: string;
  Tenant: string;
  State: "inactive" | "pending" | "firing" | "resolved";
  Since: string | null;
  ActiveAt: string | null;
  FiredAt: string | null;
  ResolvedAt: string | null;
  LastEvaluation: string;
  Value: number | null;
  Labels: Record<string, string>;
  Annotations: Record<string, string>;
  Services: string[];
  Links: { Incidents: { IncidentId: string; Href: string }[]; Rule: string };
}

export interface AlertList {
  Total: number;
  Alerts: Alert[];
}

export interface RuleList {
  Rules: { Id: string; Name: string; Tenant: string | null; Kind: "latency" | "error_rate" | "slo"; Severity: string; Origin: "file" | "api"; File: string | null; Firing: number; Pending: number; LastEvaluation: string | null }[];
  Problems: { File: string | null; Rule: string | null; Field: string | null; Message: string }[];
}

export interface SloList {
  Slos: {
    RuleName: string;
    Labels: Record<string, string>;
    Objective: number;
    Period: string;
    SliNow: number | null;
    SliPeriod: number | null;
    ErrorBudgetRemaining: number | null;
    BurnRates: { Severity: string; LongWindow: string; ShortWindow: string; Factor: number; LongBurnRate: number | null; ShortBurnRate: number | null; Firing: boolean }[];
  }[];
}

export interface SilenceList {
  Silences: { id: string; matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[]; startsAt: string; endsAt: string; createdBy: string; comment: string; status: { state: "pending" | "active" | "expired" } }[];
}
