import { describe, expect, it } from "vitest";
import { impliedScopes } from "../caller.js";
import { authenticate, generateKey, hashKey, keyIdOf, presentedKey, type StoredKey } from "./keys.js";

const now = Date.parse("2026-06-01T00:00:00Z");
const stored = (fields: Partial<StoredKey> & { key: string }): StoredKey => ({
  keyId: keyIdOf(fields.key)!, name: "k", tenant: "acme", scopes: ["read"], secretHash: hashKey(fields.key), createdBy: "bootstrap", createdAt: now - 1000, expiresAt: null, revokedAt: null, ...fields,
});

describe("API keys", () => {
  it("generates keys of 256 random bits in a format secret scanners can spot, with the key id inside", () => {
    const a = generateKey();
    const b = generateKey();
    expect(a.key).toMatch(/^braid_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(keyIdOf(a.key)).toBe(a.keyId);
    expect(a.key).not.toBe(b.key);
    expect(a.secretHash).toBe(hashKey(a.key));
    expect(a.secretHash).not.toContain(a.key.slice(23));
  });

  it("authenticates a stored key as its tenant with the scopes it implies", () => {
    const { key } = generateKey();
    const keys = new Map([[keyIdOf(key)!, stored({ key, scopes: ["write"] })]]);
    const result = authenticate(key, { lookup: (id) => keys.get(id), now });
    expect(result).toMatchObject({ ok: true, caller: { tenant: "acme", scopes: ["read", "write"] } });
  });

  it("gives the same answer for an unknown key, a wrong secret and a revoked key", () => {
    const { key } = generateKey();
    const revoked = generateKey();
    const keys = new Map([
      [keyIdOf(key)!, stored({ key })],
      [revoked.keyId, stored({ key: revoked.key, revokedAt: now - 1 })],
    ]);
    const lookup = (id: string) => keys.get(id);
    const wrongSecret = `${key.slice(0, 23)}${"A".repeat(43)}`;
    const answers = [generateKey().key, wrongSecret, revoked.key, "not-a-braid-key"].map((k) => authenticate(k, { lookup, now }));
    for (const answer of answers) expect(answer).toEqual({ ok: false, reason: "invalid", message: "the API key is not valid (unknown or revoked)" });
  });

  it("says when a key expired, and only to its holder", () => {
    const { key } = generateKey();
    const keys = new Map([[keyIdOf(key)!, stored({ key, expiresAt: now })]]);
    expect(authenticate(key, { lookup: (id) => keys.get(id), now })).toMatchObject({ ok: false, reason: "expired" });
    expect(authenticate(key, { lookup: (id) => keys.get(id), now: now - 1 })).toMatchObject({ ok: true });
  });

  it("accepts the configured bootstrap key as an admin of every tenant", () => {
    const bootstrap = "a-long-bootstrap-key-from-a-secret-file-0001";
    expect(authenticate(bootstrap, { bootstrapHash: hashKey(bootstrap), lookup: () => undefined, now })).toMatchObject({ ok: true, caller: { keyId: "bootstrap", tenant: "*", scopes: ["read", "write", "admin"] } });
    expect(authenticate(`${bootstrap}x`, { bootstrapHash: hashKey(bootstrap), lookup: () => undefined, now })).toMatchObject({ ok: false });
  });

  it("asks for a key when none is sent", () => {
    expect(authenticate(undefined, { lookup: () => undefined, now })).toMatchObject({ ok: false, reason: "missing" });
  });

  it("reads the key from Authorization: Bearer or X-API-Key", () => {
    expect(presentedKey({ authorization: "Bearer abc" })).toBe("abc");
    expect(presentedKey({ authorization: "bearer   abc  " })).toBe("abc");
    expect(presentedKey({ "x-api-key": " abc " })).toBe("abc");
    expect(presentedKey({ authorization: "Basic dXNlcjpwYXNz" })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });

  it("orders scopes: admin implies write and read, write implies read", () => {
    expect(impliedScopes(["admin"])).toEqual(["read", "write", "admin"]);
    expect(impliedScopes(["write"])).toEqual(["read", "write"]);
    expect(impliedScopes(["read"])).toEqual(["read"]);
  });
});
