// API keys, pure: the key format, generation, hashing and the decision whether a presented key
// authenticates. Keys are 256-bit random secrets, so a fast hash (SHA-256) is the right store
// form: there is nothing to brute-force, unlike passwords (no bcrypt/argon2 needed, and every
// request can be checked without a slow hash).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { allTenants, impliedScopes, type ApiScope, type Caller } from "../caller.js";

/** `braid_<16 hex: key id>_<43 base64url: secret>`; the prefix lets secret scanners spot leaked keys. */
const keyPattern = /^braid_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;
export const keyIdPattern = /^[0-9a-f]{16}$/;
/** A tenant a key can be bound to: the names ingest accepts, or `*` for every tenant. */
export const tenantPattern = /^(\*|[A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/;

export interface NewKey {
  keyId: string;
  /** The key itself: shown once, never stored. */
  key: string;
  secretHash: string;
}

export function generateKey(): NewKey {
  const keyId = randomBytes(8).toString("hex");
  const key = `braid_${keyId}_${randomBytes(32).toString("base64url")}`;
  return { keyId, key, secretHash: hashKey(key) };
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The key id inside a key of Braid's format, or undefined for anything else. */
export function keyIdOf(key: string): string | undefined {
  return keyPattern.exec(key)?.[1];
}

/** What the key table holds about a key (the hash, never the key). */
export interface StoredKey {
  keyId: string;
  name: string;
  tenant: string;
  scopes: ApiScope[];
  secretHash: string;
  createdBy: string;
  /** Unix milliseconds. */
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export type Authentication =
  | { ok: true; caller: Caller; keyId: string }
  | { ok: false; reason: "missing" | "invalid" | "expired"; message: string };

const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));

/**
 * Decides who a presented key is. `bootstrapHash` is the hash of the configured bootstrap key
 * (an admin of every tenant); `lookup` finds a stored key by id. Unknown, revoked and wrong keys
 * give the same answer, so the answer tells nothing about which keys exist.
 */
export function authenticate(presented: string | undefined, options: { bootstrapHash?: string; lookup: (keyId: string) => StoredKey | undefined; now: number }): Authentication {
  if (!presented) return { ok: false, reason: "missing", message: "an API key is required: send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`" };
  const invalid: Authentication = { ok: false, reason: "invalid", message: "the API key is not valid (unknown or revoked)" };
  if (presented.length > 512) return invalid;
  const hash = hashKey(presented);
  if (options.bootstrapHash && sameHash(hash, options.bootstrapHash)) {
    return { ok: true, keyId: "bootstrap", caller: { keyId: "bootstrap", name: "bootstrap", tenant: allTenants, scopes: impliedScopes(["admin"]) } };
  }
  const keyId = keyIdOf(presented);
  const stored = keyId ? options.lookup(keyId) : undefined;
  if (!stored || !sameHash(hash, stored.secretHash) || stored.revokedAt !== null) return invalid;
  if (stored.expiresAt !== null && stored.expiresAt <= options.now) {
    return { ok: false, reason: "expired", message: `the API key ${stored.keyId} expired at ${new Date(stored.expiresAt).toISOString()}` };
  }
  return { ok: true, keyId: stored.keyId, caller: { keyId: stored.keyId, name: stored.name, tenant: stored.tenant, scopes: impliedScopes(stored.scopes) } };
}

/** The key a request carries: `Authorization: Bearer …` or `X-API-Key`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers["x-api-key"];
  return typeof apiKey === "string" && apiKey.trim() ? apiKey.trim() : undefined;
}
