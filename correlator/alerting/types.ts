// The alerting component's data: loaded rules, the RED series they read, alert instances and
// their transitions, SLO status. Times are Unix seconds; latencies milliseconds.
import type { AlertRule, SeriesSource } from "../../schemas/alerting.js";
import type { Histogram } from "./histogram.js";
import type { Labels } from "./labels.js";
import type { Template } from "./template.js";

export type AlertState = "inactive" | "pending" | "firing" | "resolved";

export interface LoadedRule {
  /** `tenant/name` (tenant `*` for rules that apply to every tenant). */
  id: string;
  rule: AlertRule;
  origin: "file" | "api";
  /** The rule file, for file rules. */
  file?: string;
  labelTemplates: Map<string, Template>;
  annotationTemplates: Map<string, Template>;
}

/** What a series row measures: a service's requests, or a caller's calls to a callee. */
export type SeriesFamily = "service" | "edge";

export interface SeriesRequest {
  family: SeriesFamily;
  source: SeriesSource;
  /** Histogram metric names, for source metrics. */
  metrics: string[];
  windowSeconds: number;
}

/** One series merged over one window: a service/operation or an edge, with its resource attributes. */
export interface SeriesRow {
  tenant: string;
  service: string;
  operation: string;
  caller: string;
  callee: string;
  resource: Record<string, string>;
  calls: number;
  errors: number;
  histogram: Histogram;
}

/** Series rows per request (seriesRequestKey). */
export type SeriesSnapshot = Map<string, SeriesRow[]>;

export interface AlertInstance {
  tenant: string;
  ruleId: string;
  ruleName: string;
  fingerprint: string;
  state: AlertState;
  labels: Labels;
  annotations: Labels;
  /** The last evaluated value (ms, ratio or burn rate); null when the window had no data. */
  value: number | null;
  /** When the condition started to hold (pending from then). */
  activeAt: number | null;
  firedAt: number | null;
  /** First evaluation at which a firing alert's condition no longer held (keep_firing_for counts from it). */
  keepFiringSince: number | null;
  resolvedAt: number | null;
  lastEvalAt: number;
  /** Services the alert is about, for linking to incidents ([] = the whole tenant). */
  services: string[];
  incidentIds: string[];
}

export interface AlertTransition {
  tenant: string;
  ruleId: string;
  ruleName: string;
  fingerprint: string;
  at: number;
  from: AlertState;
  to: AlertState;
  value: number | null;
  labels: Labels;
}

export interface BurnRateStatus {
  severity: string;
  longSeconds: number;
  shortSeconds: number;
  factor: number;
  longBurnRate: number | null;
  shortBurnRate: number | null;
  firing: boolean;
}

export interface SloStatus {
  tenant: string;
  ruleId: string;
  ruleName: string;
  /** Fingerprint of the SLO's group labels (without the burn-rate window labels). */
  fingerprint: string;
  labels: Labels;
  objective: number;
  periodSeconds: number;
  /** Good / total over the shortest burn-rate window ("now") and over the period. */
  sliNow: number | null;
  sliPeriod: number | null;
  /** 1 − (bad / total) / (1 − objective) over the period: 1 = untouched, 0 = spent, < 0 = overspent. */
  budgetRemaining: number | null;
  totalRequests: number;
  badRequests: number;
  burnRates: BurnRateStatus[];
  evaluatedAt: number;
}

export interface EvaluationResult {
  /** Every instance whose row changed (state, value or evaluation time), to write. */
  instances: AlertInstance[];
  transitions: AlertTransition[];
  slos: SloStatus[];
  /** Rules that could not be evaluated this tick, with the reason. */
  problems: { ruleId: string; message: string }[];
}
