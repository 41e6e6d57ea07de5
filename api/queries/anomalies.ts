// Anomalies as the correlator stored them (newest version of each), scoped to the caller's tenant.
import { toAnomaly, anomalyColumns, type Anomaly } from "../../correlator/index.js";
import { tenantCondition } from "../caller.js";
import type { Store } from "../../store/index.js";

export interface AnomalyFilter {
  tenant: string;
  fromSeconds: number;
  toSeconds: number;
  node?: string;
  limit: number;
}

/** Anomalies active at some point of [from, to): onset before `to`, last seen at or after `from`. */
export async function listAnomalies(store: Store, filter: AnomalyFilter): Promise<Anomaly[]> {
  const rows = await store.query<Parameters<typeof toAnomaly>[0]>(
    `SELECT ${anomalyColumns} FROM {{db}}.braid_anomalies FINAL
     WHERE ${tenantCondition()} AND OnsetAt < toDateTime({to:UInt32}) AND LastSeenAt >= toDateTime({from:UInt32})
       AND ({node:String} = '' OR Node = {node:String})
     ORDER BY OnsetAt DESC, AnomalyId LIMIT {limit:UInt32}`,
    { tenant: filter.tenant, from: filter.fromSeconds, to: filter.toSeconds, node: filter.node ?? "", limit: filter.limit },
  );
  return rows.map(toAnomaly);
}

export async function getAnomaly(store: Store, tenant: string, anomalyId: string): Promise<Anomaly | undefined> {
  const rows = await store.query<Parameters<typeof toAnomaly>[0]>(`SELECT ${anomalyColumns} FROM {{db}}.braid_anomalies FINAL WHERE ${tenantCondition()} AND AnomalyId = {id:String}`, {
    tenant,
    id: anomalyId,
  });
  return rows[0] ? toAnomaly(rows[0]) : undefined;
}
