// Silences (Alertmanager's model): label matchers and a time range; a silence of one tenant mutes
// only that tenant's alerts. Expiring a silence moves its end to now. Stored in ClickHouse.
import { randomUUID } from "node:crypto";
import type { Store } from "../../store/index.js";
import type { Matcher } from "./matchers.js";
import type { Silence } from "./notify/plan.js";

export interface SilenceRecord extends Silence {
  createdBy: string;
  comment: string;
  updatedAt: string;
}

interface SilenceRow {
  SilenceId: string;
  Tenant: string;
  Matchers: string;
  StartsAt: number;
  EndsAt: number;
  CreatedBy: string;
  Comment: string;
  UpdatedAt: string;
}

const columns = "SilenceId, Tenant, Matchers, toUnixTimestamp(StartsAt) AS StartsAt, toUnixTimestamp(EndsAt) AS EndsAt, CreatedBy, Comment, UpdatedAt";

function toSilence(row: SilenceRow): SilenceRecord {
  return { id: row.SilenceId, tenant: row.Tenant, matchers: JSON.parse(row.Matchers) as Matcher[], startsAt: Number(row.StartsAt), endsAt: Number(row.EndsAt), createdBy: row.CreatedBy, comment: row.Comment, updatedAt: row.UpdatedAt };
}

/** Silences not yet ended at `at` (every tenant's), for the notifier. */
export async function readActiveSilences(store: Store, at: number): Promise<SilenceRecord[]> {
  const rows = await store.query<SilenceRow>(`SELECT ${columns} FROM {{db}}.braid_silences FINAL WHERE EndsAt > toDateTime({at:UInt32})`, { at });
  return rows.map(toSilence);
}

export async function listSilences(store: Store, tenant: string, options: { includeExpired: boolean; at: number }): Promise<SilenceRecord[]> {
  const rows = await store.query<SilenceRow>(
    `SELECT ${columns} FROM {{db}}.braid_silences FINAL
     WHERE ({tenant:String} = '*' OR Tenant = {tenant:String}) AND ({expired:UInt8} = 1 OR EndsAt > toDateTime({at:UInt32}))
     ORDER BY EndsAt DESC, SilenceId`,
    { tenant, expired: options.includeExpired ? 1 : 0, at: options.at },
  );
  return rows.map(toSilence);
}

export async function getSilence(store: Store, tenant: string, id: string): Promise<SilenceRecord | undefined> {
  const rows = await store.query<SilenceRow>(`SELECT ${columns} FROM {{db}}.braid_silences FINAL WHERE SilenceId = {id:String} AND ({tenant:String} = '*' OR Tenant = {tenant:String})`, { id, tenant });
  return rows[0] ? toSilence(rows[0]) : undefined;
}

export async function writeSilence(store: Store, silence: Omit<SilenceRecord, "id" | "updatedAt"> & { id?: string }): Promise<SilenceRecord> {
  const now = Date.now();
  const record: SilenceRecord = { ...silence, id: silence.id ?? randomUUID(), updatedAt: new Date(now).toISOString() };
  await store.insert("braid_silences", [
    { SilenceId: record.id, Tenant: record.tenant, Matchers: JSON.stringify(record.matchers), StartsAt: record.startsAt, EndsAt: record.endsAt, CreatedBy: record.createdBy, Comment: record.comment, UpdatedAt: record.updatedAt, Version: now * 1000 + Math.floor(Math.random() * 1000) },
  ]);
  return record;
}
