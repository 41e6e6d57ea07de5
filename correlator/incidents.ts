// Incident lifecycle: open → updated (anomalies join, root causes re-ranked) → resolved. Each
// change is a new version of the incident plus timeline events with deterministic ids, so a
// retried job writes the same rows again (and ReplacingMergeTree keeps one of each).
import { createHash } from "node:crypto";
import type { CorrelatorSettings } from "../schemas/config.js";
import type { Anomaly, ChangeEvidence, Incident, IncidentCause, IncidentEvent, RootCauseCandidate, SampleLog } from "./types.js";

const hash = (text: string) => createHash("sha1").update(text).digest("hex").slice(0, 20);

/** The id of the incident a group opens: stable for the same first anomaly, whoever computes it. */
export function incidentIdFor(group: readonly Anomaly[]): string {
  const first = [...group].sort((a, b) => a.onsetAt - b.onsetAt || a.anomalyId.localeCompare(b.anomalyId))[0]!;
  return `inc_${hash(`${first.tenant}\u0000${first.anomalyId}`)}`;
}

export interface IncidentFacts {
  anomalies: Anomaly[];
  rootCauses: RootCauseCandidate[];
  /** Independent causes; one (or none, with nothing to rank) for a single fault. */
  causes?: IncidentCause[];
  exemplarTraceIds: string[];
  sampleLogs: SampleLog[];
  /** Changes shortly before the onset (new versions, announced deploys and config changes). */
  changes?: ChangeEvidence[];
  /** The share of the added own time that the node which grew most accounts for (rank.largestGrowthShare). */
  largestGrowthShare?: number;
}

/**
 * Whether a new group becomes an incident: one with errors always; a slowdown only when a node
 * explains it (its own time holds at least minExplainedSlowdownShare of the added time). Spread
 * thin over every service it is the host's — CPU starvation, a noisy neighbour — and its anomalies
 * stay anomalies; alert rules on latency budgets still fire on it.
 */
export function opensIncident(group: readonly Anomaly[], facts: IncidentFacts, settings: Pick<CorrelatorSettings, "minExplainedSlowdownShare">): boolean {
  if (group.some((a) => a.kind === "error_rate")) return true;
  return (facts.largestGrowthShare ?? 1) >= settings.minExplainedSlowdownShare;
}

const named = (c: { node: string; errorCode: string }) => `${c.node}${c.errorCode ? ` ${c.errorCode}` : ""}`;

function title(anomalies: Anomaly[], rootCauses: RootCauseCandidate[], causes: readonly IncidentCause[]): string {
  const affected = [...new Set(anomalies.map((a) => a.node))];
  const top = rootCauses[0];
  const errors = anomalies.some((a) => a.kind === "error_rate");
  const symptom = errors ? "errors" : "slow responses";
  const where = affected.length <= 3 ? affected.join(", ") : `${affected.slice(0, 3).join(", ")} and ${affected.length - 3} more`;
  if (causes.length > 1) return `${causes.length} independent causes (${causes.map(named).join("; ")}): ${symptom} in ${where}`;
  return top ? `${named(top)}: ${symptom} in ${where}` : `${symptom} in ${where}`;
}

/** The next version of an incident (a new one when `previous` is undefined). */
export function nextIncidentVersion(previous: Incident | undefined, group: readonly Anomaly[], facts: IncidentFacts, now: number, version: number): Incident {
  const anomalies = facts.anomalies;
  const errorCodes: Record<string, number> = {};
  for (const anomaly of anomalies) {
    for (const [code, count] of Object.entries(anomaly.errorCodes)) errorCodes[code] = Math.max(errorCodes[code] ?? 0, count);
  }
  return {
    incidentId: previous?.incidentId ?? incidentIdFor(group),
    tenant: previous?.tenant ?? group[0]!.tenant,
    version,
    status: "open",
    title: title(anomalies, facts.rootCauses, facts.causes ?? []),
    startedAt: Math.min(previous?.startedAt ?? Number.POSITIVE_INFINITY, ...anomalies.map((a) => a.onsetAt)),
    updatedAt: now,
    resolvedAt: null,
    services: [...new Set(anomalies.map((a) => a.node))].sort(),
    operations: [...new Set(anomalies.map((a) => `${a.node} ${a.operation}`))].sort(),
    errorCodes,
    anomalyIds: [...new Set([...(previous?.anomalyIds ?? []), ...anomalies.map((a) => a.anomalyId)])].sort(),
    exemplarTraceIds: facts.exemplarTraceIds,
    sampleLogs: facts.sampleLogs,
    rootCauses: facts.rootCauses,
    causes: facts.causes ?? [],
    changes: facts.changes ?? previous?.changes ?? [],
  };
}

export function resolvedVersion(incident: Incident, resolvedAt: number, version: number): Incident {
  return { ...incident, status: "resolved", resolvedAt, updatedAt: resolvedAt, version };
}

/** Timeline events between two versions of an incident (changes near its onset go on the timeline too; their ids keep them once). */
export function incidentEvents(previous: Incident | undefined, next: Incident, anomalies: readonly Anomaly[]): IncidentEvent[] {
  const events: IncidentEvent[] = [];
  const event = (kind: IncidentEvent["kind"], key: string, at: number, message: string, detail: Record<string, unknown>) =>
    events.push({ incidentId: next.incidentId, tenant: next.tenant, eventId: hash(`${next.incidentId}\u0000${kind}\u0000${key}`), at, kind, message, detail });

  const knownChanges = new Set((previous?.changes ?? []).map((c) => c.changeId));
  for (const change of next.changes) {
    if (knownChanges.has(change.changeId)) continue;
    event("change", change.changeId, change.at, `${change.node} ${change.what}`, { changeId: change.changeId, node: change.node, kind: change.kind, ...change.detail });
  }
  if (!previous) event("opened", "", next.startedAt, `Incident opened: ${next.title}`, { services: next.services });
  const known = new Set(previous?.anomalyIds ?? []);
  for (const anomaly of anomalies) {
    if (known.has(anomaly.anomalyId) || !next.anomalyIds.includes(anomaly.anomalyId)) continue;
    const what =
      anomaly.kind === "error_rate"
        ? `error rate ${(anomaly.observed * 100).toFixed(1)}% (baseline ${(anomaly.baseline * 100).toFixed(1)}%)`
        : anomaly.kind === "latency"
          ? `p95 ${anomaly.observed.toFixed(0)} ms (baseline ${anomaly.baseline.toFixed(0)} ms)`
          : `latency budget ${anomaly.baseline} ms exceeded: ${anomaly.observed.toFixed(0)} ms`;
    event("anomaly_added", anomaly.anomalyId, anomaly.onsetAt, `${anomaly.node} ${anomaly.operation}: ${what}`, {
      anomalyId: anomaly.anomalyId,
      node: anomaly.node,
      operation: anomaly.operation,
      kind: anomaly.kind,
      errorCodes: anomaly.errorCodes,
    });
  }
  const before = previous?.rootCauses[0]?.node;
  const after = next.rootCauses[0];
  if (after && after.node !== before) {
    event("root_cause_changed", `${after.node}@${next.version}`, next.updatedAt, `Top root-cause candidate: ${after.node} (${after.reason})`, { node: after.node, score: after.score, previous: before ?? null });
  }
  const knownCauses = new Set((previous?.causes ?? []).map((c) => c.node));
  if (next.causes.length > 1) {
    for (const cause of next.causes) {
      if (knownCauses.has(cause.node)) continue;
      event("cause_added", cause.node, next.updatedAt, `Independent cause: ${named(cause)} (${Math.round(cause.share * 100)}% of the error traces): ${cause.rootCauses[0]?.reason ?? ""}`, {
        node: cause.node, errorCode: cause.errorCode, errorTraces: cause.errorTraces, share: cause.share, exemplarTraceIds: cause.exemplarTraceIds,
      });
    }
  }
  if (next.status === "resolved" && previous?.status !== "resolved") {
    event("resolved", "", next.resolvedAt ?? next.updatedAt, "Incident resolved: its anomalies have been quiet", {});
  }
  return events;
}
