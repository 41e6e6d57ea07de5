// SQL behind API keys: the key table (versioned rows, FINAL reads the newest) and the last-use
// table (batched writes, newest row per key).
import type { Store } from "../../store/index.js";
import type { ApiScope } from "../caller.js";
import { tenantCondition } from "../caller.js";
import type { StoredKey } from "../auth/keys.js";

interface KeyRow {
  KeyId: string;
  Name: string;
  Tenant: string;
  Scopes: ApiScope[];
  SecretHash: string;
  CreatedBy: string;
  CreatedAt: string;
  ExpiresAt: string | null;
  RevokedAt: string | null;
  Version: string;
}

const isoMs = (ms: number) => new Date(ms).toISOString();

const keyColumns = `KeyId, Name, Tenant, Scopes, SecretHash, CreatedBy, toUnixTimestamp64Milli(CreatedAt) AS CreatedAt,
  if(isNull(ExpiresAt), NULL, toUnixTimestamp64Milli(assumeNotNull(ExpiresAt))) AS ExpiresAt,
  if(isNull(RevokedAt), NULL, toUnixTimestamp64Milli(assumeNotNull(RevokedAt))) AS RevokedAt, Version`;

const toStoredKey = (row: KeyRow): StoredKey => ({
  keyId: row.KeyId,
  name: row.Name,
  tenant: row.Tenant,
  scopes: row.Scopes,
  secretHash: row.SecretHash,
  createdBy: row.CreatedBy,
  createdAt: Number(row.CreatedAt),
  expiresAt: row.ExpiresAt === null ? null : Number(row.ExpiresAt),
  revokedAt: row.RevokedAt === null ? null : Number(row.RevokedAt),
});

/** Every key that can still authenticate (not revoked), for the in-memory key ring. */
export async function readActiveKeys(store: Store): Promise<StoredKey[]> {
  const rows = await store.query<KeyRow>(`SELECT ${keyColumns} FROM {{db}}.braid_api_keys FINAL WHERE RevokedAt IS NULL`);
  return rows.map(toStoredKey);
}

export async function insertKey(store: Store, key: StoredKey, version: number, revokedBy = ""): Promise<void> {
  await store.insert("braid_api_keys", [
    {
      KeyId: key.keyId,
      Name: key.name,
      Tenant: key.tenant,
      Scopes: key.scopes,
      SecretHash: key.secretHash,
      CreatedBy: key.createdBy,
      CreatedAt: isoMs(key.createdAt),
      ExpiresAt: key.expiresAt === null ? null : isoMs(key.expiresAt),
      RevokedAt: key.revokedAt === null ? null : isoMs(key.revokedAt),
      RevokedBy: revokedBy,
      Version: version,
    },
  ]);
}

export interface KeyListing extends Omit<StoredKey, "secretHash"> {
  lastUsedAt: number | null;
}

const listingSql = (where: string) => `
  SELECT ${keyColumns}, if(u.Last = 0, NULL, u.Last) AS LastUsedAt
  FROM (SELECT * FROM {{db}}.braid_api_keys FINAL WHERE ${tenantCondition()} ${where}) AS k
  LEFT JOIN (SELECT KeyId, toUnixTimestamp64Milli(max(LastUsedAt)) AS Last FROM {{db}}.braid_api_key_last_use GROUP BY KeyId) AS u USING (KeyId)`;

type ListingRow = KeyRow & { LastUsedAt: string | null };
const toListing = (row: ListingRow): KeyListing => {
  const { secretHash: _, ...rest } = toStoredKey(row);
  return { ...rest, lastUsedAt: row.LastUsedAt === null ? null : Number(row.LastUsedAt) };
};

/** Keys visible to a caller of `tenant` ('*': all), newest first; revoked ones only when asked. */
export async function listKeys(store: Store, tenant: string, options: { includeRevoked: boolean; limit: number; offset: number }): Promise<{ total: number; keys: KeyListing[] }> {
  const where = options.includeRevoked ? "" : "AND RevokedAt IS NULL";
  const params = { tenant, limit: options.limit, offset: options.offset };
  const [count] = await store.query<{ n: string }>(`SELECT count() AS n FROM {{db}}.braid_api_keys FINAL WHERE ${tenantCondition()} ${where}`, params);
  const rows = await store.query<ListingRow>(`${listingSql(where)} ORDER BY CreatedAt DESC, KeyId LIMIT {limit:UInt32} OFFSET {offset:UInt32}`, params);
  return { total: Number(count?.n ?? 0), keys: rows.map(toListing) };
}

/** One key, if it exists and belongs to `tenant` (or `tenant` is '*'). */
export async function getKey(store: Store, tenant: string, keyId: string): Promise<(KeyListing & { version: number; secretHash: string }) | undefined> {
  const rows = await store.query<ListingRow>(`${listingSql("AND KeyId = {keyId:String}")}`, { tenant, keyId });
  const row = rows[0];
  return row ? { ...toListing(row), secretHash: row.SecretHash, version: Number(row.Version) } : undefined;
}

/** Records last-use times: one insert for all the keys used since the previous flush. */
export async function writeLastUse(store: Store, lastUse: ReadonlyMap<string, number>): Promise<void> {
  if (lastUse.size === 0) return;
  await store.insert(
    "braid_api_key_last_use",
    [...lastUse].map(([keyId, at]) => ({ KeyId: keyId, LastUsedAt: isoMs(at) })),
  );
}
