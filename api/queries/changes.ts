// SQL behind the change routes.
import type { Store } from "../../store/index.js";
import { tenantCondition } from "../caller.js";

export interface ChangeFilter {
  tenant: string;
  service?: string;
  fromSeconds: number;
  toSeconds: number;
  limit: number;
  offset: number;
}

export interface StoredChangeRow {
  ChangeId: string;
  Tenant: string;
  At: string;
  Service: string;
  Kind: string;
  Version: string;
  PreviousVersion: string;
  Description: string;
  Author: string;
  Source: string;
  Url: string;
  Attributes: Record<string, string>;
}

export async function listChanges(store: Store, filter: ChangeFilter): Promise<{ total: number; changes: StoredChangeRow[] }> {
  const where = `${tenantCondition()} AND At >= toDateTime64({from:UInt32}, 9) AND At < toDateTime64({to:UInt32}, 9) AND ({service:String} = '' OR Service = {service:String})`;
  const params = { tenant: filter.tenant, from: filter.fromSeconds, to: filter.toSeconds, service: filter.service ?? "", limit: filter.limit, offset: filter.offset };
  const [count] = await store.query<{ n: string }>(`SELECT count() AS n FROM {{db}}.braid_changes FINAL WHERE ${where}`, params);
  const rows = await store.query<Omit<StoredChangeRow, "At"> & { AtText: string }>(
    `SELECT ChangeId, Tenant, formatDateTime(At, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS AtText, Service, Kind, Version, PreviousVersion, Description, Author, Source, Url, Attributes
     FROM {{db}}.braid_changes FINAL WHERE ${where} ORDER BY At DESC, ChangeId LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    params,
  );
  // ISO-8601 to the millisecond, as the API writes every time.
  const changes = rows.map(({ AtText, ...rest }) => ({ ...rest, At: AtText.replace(/(\.\d{3})\d*Z$/, "$1Z") }));
  return { total: Number(count?.n ?? 0), changes };
}
