// Durable alert state in ClickHouse: instances (newest version wins), transitions, SLO status and
// the ticks already evaluated. Redis holds only the schedule, so losing it loses no alert.
import type { Store } from "../../store/index.js";
import type { AlertInstance, AlertState, AlertTransition, SloStatus } from "./types.js";

interface AlertRow {
  Tenant: string;
  RuleId: string;
  RuleName: string;
  Fingerprint: string;
  State: AlertState;
  Labels: Record<string, string>;
  Annotations: Record<string, string>;
  Value: number | null;
  ActiveAt: number | null;
  FiredAt: number | null;
  KeepFiringSince: number | null;
  ResolvedAt: number | null;
  LastEvalAt: number;
  Services: string[];
  IncidentIds: string[];
}

const ts = (column: string) => `if(isNull(${column}), NULL, toUnixTimestamp(assumeNotNull(${column}))) AS ${column}`;

export const alertColumns = `Tenant, RuleId, RuleName, Fingerprint, State, Labels, Annotations, Value, ${ts("ActiveAt")}, ${ts("FiredAt")}, ${ts("KeepFiringSince")}, ${ts("ResolvedAt")},
  toUnixTimestamp(LastEvalAt) AS LastEvalAt, Services, IncidentIds`;

export function toAlertInstance(row: AlertRow): AlertInstance {
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    tenant: row.Tenant,
    ruleId: row.RuleId,
    ruleName: row.RuleName,
    fingerprint: row.Fingerprint,
    state: row.State,
    labels: row.Labels,
    annotations: row.Annotations,
    value: row.Value === null ? null : Number(row.Value),
    activeAt: num(row.ActiveAt),
    firedAt: num(row.FiredAt),
    keepFiringSince: num(row.KeepFiringSince),
    resolvedAt: num(row.ResolvedAt),
    lastEvalAt: Number(row.LastEvalAt),
    services: row.Services,
    incidentIds: row.IncidentIds,
  };
}

/** Instances the evaluator needs: pending or firing, and quiet ones evaluated within `keepSeconds`. */
export async function readLiveAlerts(store: Store, at: number, keepSeconds = 86_400): Promise<AlertInstance[]> {
  const rows = await store.query<AlertRow>(
    `SELECT ${alertColumns} FROM {{db}}.braid_alerts FINAL
     WHERE State IN ('pending', 'firing') OR LastEvalAt >= toDateTime({since:UInt32})`,
    { since: Math.max(0, at - keepSeconds) },
  );
  return rows.map(toAlertInstance);
}

export async function writeAlerts(store: Store, instances: readonly AlertInstance[], version: number): Promise<void> {
  if (instances.length === 0) return;
  await store.insert(
    "braid_alerts",
    instances.map((a) => ({
      Tenant: a.tenant, RuleId: a.ruleId, RuleName: a.ruleName, Fingerprint: a.fingerprint, State: a.state, Labels: a.labels, Annotations: a.annotations,
      Value: a.value, ActiveAt: a.activeAt, FiredAt: a.firedAt, KeepFiringSince: a.keepFiringSince, ResolvedAt: a.resolvedAt, LastEvalAt: a.lastEvalAt,
      Services: a.services, IncidentIds: a.incidentIds, Version: version,
    })),
  );
}

export async function writeTransitions(store: Store, transitions: readonly AlertTransition[]): Promise<void> {
  if (transitions.length === 0) return;
  await store.insert(
    "braid_alert_transitions",
    transitions.map((t) => ({ Tenant: t.tenant, RuleId: t.ruleId, RuleName: t.ruleName, Fingerprint: t.fingerprint, At: t.at, FromState: t.from, ToState: t.to, Value: t.value, Labels: t.labels })),
  );
}

export async function writeSloStatus(store: Store, slos: readonly SloStatus[]): Promise<void> {
  if (slos.length === 0) return;
  await store.insert(
    "braid_slo_status",
    slos.map((s) => ({
      Tenant: s.tenant, RuleId: s.ruleId, RuleName: s.ruleName, Fingerprint: s.fingerprint, Labels: s.labels, Objective: s.objective, PeriodSeconds: s.periodSeconds,
      SliNow: s.sliNow, SliPeriod: s.sliPeriod, BudgetRemaining: s.budgetRemaining, TotalRequests: s.totalRequests, BadRequests: s.badRequests,
      BurnRates: JSON.stringify(s.burnRates), EvaluatedAt: s.evaluatedAt,
    })),
  );
}

export async function tickDone(store: Store, tick: number): Promise<boolean> {
  const rows = await store.query<{ n: string }>(`SELECT count() AS n FROM {{db}}.braid_alert_ticks WHERE Tick = toDateTime({tick:UInt32})`, { tick });
  return Number(rows[0]?.n ?? 0) > 0;
}

export async function markTick(store: Store, tick: { tick: number; rules: number; instances: number; transitions: number; durationMs: number }): Promise<void> {
  await store.insert("braid_alert_ticks", [{ Tick: tick.tick, Rules: tick.rules, Instances: tick.instances, Transitions: tick.transitions, DurationMs: tick.durationMs }]);
}

/** Open (or overlapping) incidents that share a service with each firing alert: incident ids per alert key. */
export async function linkIncidents(store: Store, alerts: readonly AlertInstance[], at: number): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const live = alerts.filter((a) => a.state === "firing" || a.state === "pending");
  if (live.length === 0) return out;
  const tenants = [...new Set(live.map((a) => a.tenant))];
  const since = Math.min(...live.map((a) => a.activeAt ?? at));
  const incidents = await store.query<{ IncidentId: string; Tenant: string; Services: string[]; StartedAt: number; ResolvedAt: number | null }>(
    `SELECT IncidentId, Tenant, Services, toUnixTimestamp(StartedAt) AS StartedAt, if(isNull(ResolvedAt), NULL, toUnixTimestamp(assumeNotNull(ResolvedAt))) AS ResolvedAt
     FROM {{db}}.braid_incidents FINAL
     WHERE Tenant IN {tenants:Array(String)} AND StartedAt <= toDateTime({at:UInt32}) AND (ResolvedAt IS NULL OR ResolvedAt >= toDateTime({since:UInt32}))`,
    { tenants, at, since },
  );
  for (const alert of live) {
    const from = alert.activeAt ?? at;
    const ids = incidents
      .filter((i) => i.Tenant === alert.tenant && Number(i.StartedAt) <= at && (i.ResolvedAt === null || Number(i.ResolvedAt) >= from))
      .filter((i) => alert.services.length === 0 || i.Services.some((s) => alert.services.includes(s)))
      .map((i) => i.IncidentId);
    if (ids.length > 0) out.set(`${alert.ruleId}\u0000${alert.fingerprint}`, ids);
  }
  return out;
}
