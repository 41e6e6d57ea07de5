// SQL behind the change routes.
import { z } from "zod";
import { ChangeRow } from "../../schemas/rows.js";
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

/** A stored change as the API returns it: the stored row, its time as ISO-8601 to the millisecond. */
export const StoredChange = ChangeRow.omit({ At: true, IngestedAt: true }).extend({ At: z.string().describe("ISO-8601 time the change took effect") });
export type StoredChange = z.infer<typeof StoredChange>;

export async function listChanges(store: Store, filter: ChangeFilter): Promise<{ total: number; changes: StoredChange[] }> {
  const where = `${tenantCondition()} AND At >= toDateTime64({from:UInt32}, 9) AND At < toDateTime64({to:UInt32}, 9) AND ({service:String} = '' OR Service = {service:String})`;
  const params = { tenant: filter.tenant, from: filter.fromSeconds, to: filter.toSeconds, service: filter.service ?? "", limit: filter.limit, offset: filter.offset };
  const [count] = await store.query<{ n: string }>(`SELECT count() AS n FROM {{db}}.braid_changes FINAL WHERE ${where}`, params);
  const rows = await store.query<Omit<StoredChange, "At"> & { AtText: string }>(
    `SELECT ChangeId, Tenant, formatDateTime(At, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS AtText, Service, Kind, Version, PreviousVersion, Description, Author, Source, Url, Attributes
     FROM {{db}}.braid_changes FINAL WHERE ${where} ORDER BY At DESC, ChangeId LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    params,
  );
  // ISO-8601 to the millisecond, as the API writes every time.
  const changes = rows.map(({ AtText, ...rest }) => ({ ...rest, At: AtText.replace(/(\.\d{3})\d*Z$/, "$1Z") }));
  return { total: Number(count?.n ?? 0), changes };
}
