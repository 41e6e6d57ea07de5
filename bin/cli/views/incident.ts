// The on-call view of one incident, from GET /api/v1/incidents/{id}: what is broken, since when,
// the ranked root-cause candidates with their reasons, the timeline, the anomalies, an exemplar
// trace and sample logs. `braid incident ID` prints it; so does the demo (scripts/demo.ts).
import { ago, cut, type Colors } from "../output.js";

export interface IncidentAlert {
  RuleName: string;
  State: string;
  Value: number | null;
  Labels?: Record<string, string>;
}

/**
 * One rule can have several alerts on an incident (an SLO's burn-rate windows, a rule grouped by
 * operation): each is named by the labels whose values vary among the rule's alerts, as
 * Prometheus writes them (`checkout-availability{long_window="1h"}`).
 */
export function alertNames(alerts: IncidentAlert[]): string[] {
  return alerts.map((alert) => {
    const siblings = alerts.filter((other) => other.RuleName === alert.RuleName);
    if (siblings.length < 2) return alert.RuleName;
    const labels = alert.Labels ?? {};
    const distinct = Object.keys(labels)
      .filter((name) => siblings.some((other) => (other.Labels ?? {})[name] !== labels[name]))
      .sort()
      .map((name) => `${name}=${JSON.stringify(labels[name])}`);
    return distinct.length ? `${alert.RuleName}{${distinct.join(",")}}` : alert.RuleName;
  });
}

export interface RootCause {
  Node: string;
  NodeType: string;
  Score: number;
  Reason: string;
  ErrorCode: string;
}

export interface IncidentSummary {
  IncidentId: string;
  Status: string;
  Title: string;
  StartedAt: string;
  UpdatedAt: string;
  ResolvedAt: string | null;
  Services: string[];
  ErrorCodes: Record<string, number>;
  TopRootCause: RootCause | null;
}

export interface IncidentDetail extends IncidentSummary {
  Operations?: string[];
  RootCauses: RootCause[];
  Timeline: { At: string; Kind: string; Message: string }[];
  Anomalies: { Node: string; Operation: string; Kind: string; OnsetAt: string; Observed: number; Baseline: number; Calls: number; Errors: number }[];
  ExemplarTraceIds: string[];
  SampleLogs: { Timestamp: string; ServiceName: string; SeverityText: string; Body: string; TraceId: string; ErrorCode: string }[];
  /** Present once the alerting API is there: the alerts linked to the incident. */
  Alerts?: IncidentAlert[];
}

export const codesText = (codes: Record<string, number>) =>
  Object.entries(codes)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ×${n}`)
    .join(", ");

const clock = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z?$/, "").replace(/Z$/, "");

function anomalyValue(a: IncidentDetail["Anomalies"][number]): string {
  if (a.Kind.includes("latency")) return `p95 ${Math.round(a.Observed)} ms (baseline ${Math.round(a.Baseline)} ms)`;
  return `errors ${(a.Observed * 100).toFixed(1)}% (baseline ${(a.Baseline * 100).toFixed(1)}%), ${a.Errors}/${a.Calls} calls`;
}

export interface IncidentViewOptions {
  c: Colors;
  width: number;
  /** Where the exemplar trace can be opened (the API base URL), for the hint line. */
  apiUrl?: string;
  now?: number;
}

export function incidentLines(incident: IncidentDetail, options: IncidentViewOptions): string[] {
  const { c } = options;
  const status = incident.Status === "open" ? c.red(c.bold("OPEN")) : c.green("resolved");
  const out: string[] = [];
  out.push(`${c.bold(`Incident ${incident.IncidentId}`)}  ${status}  ${incident.Title}`);
  const times = [`started ${clock(incident.StartedAt)} (${ago(incident.StartedAt, options.now)})`, `updated ${clock(incident.UpdatedAt)}`];
  if (incident.ResolvedAt) times.push(`resolved ${clock(incident.ResolvedAt)}`);
  out.push(`  ${times.join(", ")}`);
  out.push(`  services: ${incident.Services.join(", ") || "-"}`);
  if (incident.Operations?.length) out.push(`  operations: ${cut(incident.Operations.join(", "), options.width - 16)}`);
  out.push(`  error codes: ${codesText(incident.ErrorCodes) || "none"}`);
  if (incident.Alerts?.length) {
    const names = alertNames(incident.Alerts);
    out.push(`  alerts: ${incident.Alerts.map((a, i) => `${names[i]} [${a.State}]`).join(", ")}`);
  }

  out.push("", c.bold("Root-cause candidates"));
  if (incident.RootCauses.length === 0) out.push(c.dim("  (none ranked yet)"));
  incident.RootCauses.slice(0, 5).forEach((cause, i) => {
    const code = cause.ErrorCode ? `  ${c.magenta(cause.ErrorCode)}` : "";
    out.push(`  ${i + 1}. ${c.bold(cause.Node)} (${cause.NodeType}, score ${cause.Score})${code}`);
    out.push(`     ${cause.Reason}`);
  });

  out.push("", c.bold("Timeline"));
  for (const event of incident.Timeline) out.push(`  ${clock(event.At)}  ${event.Kind.padEnd(10)} ${cut(event.Message, options.width - 34)}`);

  if (incident.Anomalies.length) {
    out.push("", c.bold("Anomalies"));
    for (const a of incident.Anomalies) out.push(`  ${clock(a.OnsetAt)}  ${a.Node} ${a.Operation ? `${a.Operation} ` : ""}${c.dim(a.Kind)}: ${anomalyValue(a)}`);
  }

  if (incident.ExemplarTraceIds.length) {
    out.push("", `${c.bold("Exemplar trace")}: ${incident.ExemplarTraceIds[0]}  ${c.dim(`(braid trace ${incident.ExemplarTraceIds[0]})`)}`);
    if (incident.ExemplarTraceIds.length > 1) out.push(c.dim(`  and ${incident.ExemplarTraceIds.length - 1} more: ${incident.ExemplarTraceIds.slice(1, 4).join(", ")}`));
  }
  if (incident.SampleLogs.length) {
    out.push("", c.bold("Sample logs"));
    for (const log of incident.SampleLogs.slice(0, 5)) {
      const code = log.ErrorCode ? ` ${c.magenta(log.ErrorCode)}` : "";
      out.push(`  ${clock(log.Timestamp)}  ${log.ServiceName} ${c.red(log.SeverityText)}${code}  ${cut(log.Body.replace(/\s+/g, " "), options.width - 60)}`);
    }
  }
  return out;
}
