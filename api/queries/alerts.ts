// SQL behind the alert, SLO and notification routes. Every function takes the caller's tenant and
// filters with tenantCondition(); rows become the API's shape in the routes.
import { alertColumns, toAlertInstance, type AlertInstance, type AlertState } from "../../correlator/alerting/index.js";
import type { Store } from "../../store/index.js";
import { tenantCondition } from "../caller.js";

export interface AlertFilter {
  tenant: string;
  state?: AlertState;
  rule?: string;
  service?: string;
  fingerprint?: string;
  limit: number;
  offset: number;
}

export async function listAlerts(store: Store, filter: AlertFilter): Promise<{ total: number; alerts: AlertInstance[] }> {
  const where = `${tenantCondition()} AND ({state:String} = '' OR State = {state:String}) AND ({rule:String} = '' OR RuleName = {rule:String})
    AND ({service:String} = '' OR has(Services, {service:String})) AND ({fingerprint:String} = '' OR Fingerprint = {fingerprint:String})
    AND State != 'inactive'`;
  const params = { tenant: filter.tenant, state: filter.state ?? "", rule: filter.rule ?? "", service: filter.service ?? "", fingerprint: filter.fingerprint ?? "", limit: filter.limit, offset: filter.offset };
  const [count] = await store.query<{ n: string }>(`SELECT count() AS n FROM {{db}}.braid_alerts FINAL WHERE ${where}`, params);
  const rows = await store.query<Parameters<typeof toAlertInstance>[0]>(
    `SELECT ${alertColumns} FROM {{db}}.braid_alerts FINAL WHERE ${where}
     ORDER BY indexOf(['firing', 'pending', 'resolved'], State), coalesce(FiredAt, ActiveAt, ResolvedAt) DESC, RuleName, Fingerprint
     LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    params,
  );
  return { total: Number(count?.n ?? 0), alerts: rows.map(toAlertInstance) };
}

export interface TransitionRow {
  At: number;
  FromState: string;
  ToState: string;
  Value: number | null;
}

export async function alertTransitions(store: Store, tenant: string, fingerprint: string, limit = 200): Promise<(TransitionRow & { RuleId: string })[]> {
  return store.query<TransitionRow & { RuleId: string }>(
    `SELECT RuleId, toUnixTimestamp(At) AS At, FromState, ToState, Value FROM {{db}}.braid_alert_transitions FINAL
     WHERE ${tenantCondition()} AND Fingerprint = {fingerprint:String} ORDER BY At DESC LIMIT {limit:UInt32}`,
    { tenant, fingerprint, limit },
  );
}

/** Alerts linked to one incident (the incident detail shows them). */
export async function alertsOfIncident(store: Store, tenant: string, incidentId: string): Promise<AlertInstance[]> {
  const rows = await store.query<Parameters<typeof toAlertInstance>[0]>(
    `SELECT ${alertColumns} FROM {{db}}.braid_alerts FINAL WHERE ${tenantCondition()} AND has(IncidentIds, {id:String}) ORDER BY coalesce(FiredAt, ActiveAt), RuleName`,
    { tenant, id: incidentId },
  );
  return rows.map(toAlertInstance);
}

export interface SloRow {
  Tenant: string;
  RuleId: string;
  RuleName: string;
  Fingerprint: string;
  Labels: Record<string, string>;
  Objective: number;
  PeriodSeconds: number;
  SliNow: number | null;
  SliPeriod: number | null;
  BudgetRemaining: number | null;
  TotalRequests: number;
  BadRequests: number;
  BurnRates: string;
  EvaluatedAt: number;
}

export async function listSlos(store: Store, tenant: string, rule?: string): Promise<SloRow[]> {
  return store.query<SloRow>(
    `SELECT Tenant, RuleId, RuleName, Fingerprint, Labels, Objective, PeriodSeconds, SliNow, SliPeriod, BudgetRemaining, TotalRequests, BadRequests, BurnRates,
            toUnixTimestamp(EvaluatedAt) AS EvaluatedAt
     FROM {{db}}.braid_slo_status FINAL WHERE ${tenantCondition()} AND ({rule:String} = '' OR RuleName = {rule:String}) ORDER BY RuleName, Tenant, Fingerprint`,
    { tenant, rule: rule ?? "" },
  );
}

/** Last evaluation per rule, from the alert instances (health shown by GET /api/v1/rules). */
export async function ruleActivity(store: Store, tenant: string): Promise<Map<string, { firing: number; pending: number; lastEvalAt: number }>> {
  const rows = await store.query<{ RuleId: string; Firing: string; Pending: string; LastEvalAt: number }>(
    `SELECT RuleId, countIf(State = 'firing') AS Firing, countIf(State = 'pending') AS Pending, toUnixTimestamp(max(LastEvalAt)) AS LastEvalAt
     FROM {{db}}.braid_alerts FINAL WHERE ${tenantCondition()} GROUP BY RuleId`,
    { tenant },
  );
  return new Map(rows.map((r) => [r.RuleId, { firing: Number(r.Firing), pending: Number(r.Pending), lastEvalAt: Number(r.LastEvalAt) }]));
}
