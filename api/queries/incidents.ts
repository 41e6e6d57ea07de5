// SQL behind the incident routes; rows become the API's shape in one place (toApiIncident).
import { incidentColumns, toIncident, readAnomaliesById, type Anomaly, type Incident } from "../../correlator/index.js";
import type { Store } from "../../store/index.js";
import { tenantCondition } from "../caller.js";

export interface IncidentFilter {
  /** The caller's tenant ('*': all). */
  tenant: string;
  status?: "open" | "resolved";
  service?: string;
  code?: string;
  fromSeconds: number;
  toSeconds: number;
  limit: number;
  offset: number;
}

export async function listIncidents(store: Store, filter: IncidentFilter): Promise<{ total: number; incidents: Incident[] }> {
  const where = `${tenantCondition()} AND StartedAt < toDateTime({to:UInt32}) AND (ResolvedAt IS NULL OR ResolvedAt >= toDateTime({from:UInt32}))
    AND ({status:String} = '' OR Status = {status:String}) AND ({service:String} = '' OR has(Services, {service:String}))
    AND ({code:String} = '' OR mapContains(ErrorCodes, {code:String}) OR TopRootCauseCode = {code:String})`;
  const params = { tenant: filter.tenant, from: filter.fromSeconds, to: filter.toSeconds, status: filter.status ?? "", service: filter.service ?? "", code: filter.code ?? "", limit: filter.limit, offset: filter.offset };
  const [count] = await store.query<{ n: string }>(`SELECT count() AS n FROM {{db}}.braid_incidents FINAL WHERE ${where}`, params);
  const rows = await store.query<Parameters<typeof toIncident>[0]>(
    `SELECT ${incidentColumns} FROM {{db}}.braid_incidents FINAL WHERE ${where}
     ORDER BY StartedAt DESC, IncidentId LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    params,
  );
  return { total: Number(count?.n ?? 0), incidents: rows.map(toIncident) };
}

export interface IncidentEventRow {
  At: string;
  Kind: string;
  Message: string;
  Detail: string;
}

/** One incident of the caller's tenant; another tenant's is answered exactly like a missing one. */
export async function getIncident(store: Store, tenant: string, incidentId: string): Promise<{ incident: Incident; events: IncidentEventRow[]; anomalies: Anomaly[] } | undefined> {
  const rows = await store.query<Parameters<typeof toIncident>[0]>(
    `SELECT ${incidentColumns} FROM {{db}}.braid_incidents FINAL WHERE ${tenantCondition()} AND IncidentId = {id:String}`,
    { tenant, id: incidentId },
  );
  if (rows.length === 0) return undefined;
  const incident = toIncident(rows[0]!);
  const events = await store.query<IncidentEventRow>(
    `SELECT At, Kind, Message, Detail FROM {{db}}.braid_incident_events FINAL WHERE Tenant = {tenant:String} AND IncidentId = {id:String} ORDER BY At, indexOf(['change', 'opened', 'anomaly_added', 'root_cause_changed', 'cause_added', 'resolved'], Kind), EventId`,
    { tenant: incident.tenant, id: incidentId },
  );
  return { incident, events, anomalies: await readAnomaliesById(store, incident.anomalyIds) };
}
