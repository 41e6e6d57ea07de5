// API keys against a real store: who gets in (401/403), the key lifecycle (shown once, stored as a
// hash, last use, expiry, revocation), the audit log, and the hardening around it (security
// headers, CORS, rate limit, body limit). Requests go through Fastify's inject.
import { trace } from "@opentelemetry/api";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../api/index.js";
import { createLogger } from "../../runtime/logger.js";
import { createMetricsRegistry } from "../../runtime/metrics.js";
import { ApiSettings, type ApiSettings as ApiSettingsType } from "../../schemas/config.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { eventually, tempDir } from "../support/env.js";

const storage = tempDir("api-auth");
const bootstrapKey = "bootstrap-key-for-the-api-auth-test-0123456789";
let store: Store;
let app: FastifyInstance;

async function api(settings: Omit<Partial<ApiSettingsType>, "auth"> & { auth?: Partial<ApiSettingsType["auth"]> } = {}): Promise<FastifyInstance> {
  return buildApi({
    deps: { store, logger: createLogger(process.env.BRAID_TEST_LOG_LEVEL ?? "silent") },
    tracer: trace.getTracer("test"),
    registry: createMetricsRegistry(),
    health: [],
    settings: ApiSettings.parse({ ...settings, auth: { bootstrapKey, ...settings.auth } }),
  });
}

const call = async (options: InjectOptions & { key?: string }, on = app) => {
  const { key, ...rest } = options;
  const response = await on.inject({ ...rest, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...rest.headers } });
  return { status: response.statusCode, headers: response.headers, body: (response.headers["content-type"]?.toString().includes("json") ? response.json() : response.body) as any };
};

async function createKey(body: Record<string, unknown>, key = bootstrapKey) {
  const response = await call({ method: "POST", url: "/api/v1/keys", key, payload: body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { KeyId: string; Key: string; Tenant: string; Scopes: string[] };
}

beforeAll(async () => {
  store = new ChdbStore(storage.dir, "api_auth_test");
  await migrate(store);
  app = await api();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  storage.cleanup();
});

describe("authentication", () => {
  it("answers 401 with WWW-Authenticate without a key or with a wrong one, and lets /healthz and the OpenAPI document through", async () => {
    const none = await call({ method: "GET", url: "/api/v1/incidents" });
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toBe('Bearer realm="braid"');
    expect(none.body.message).toContain("Authorization: Bearer");
    const wrong = await call({ method: "GET", url: "/api/v1/incidents", key: "braid_0123456789abcdef_" + "x".repeat(43) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers["www-authenticate"]).toContain('error="invalid_token"');
    expect((await call({ method: "GET", url: "/healthz" })).status).toBe(200);
    expect((await call({ method: "GET", url: "/api/docs/openapi.json" })).status).toBe(200);
  });

  it("serves the web page without a key (the page asks for one and sends it with its API calls)", async () => {
    for (const url of ["/", "/ui/", "/ui/incidents/inc_0123"]) {
      const response = await call({ method: "GET", url });
      expect([401, 403], url).not.toContain(response.status);
    }
  });

  it("accepts the key as Authorization: Bearer and as X-API-Key", async () => {
    expect((await call({ method: "GET", url: "/api/v1/whoami", key: bootstrapKey })).body).toEqual({ KeyId: "bootstrap", Name: "bootstrap", Tenant: "*", Scopes: ["read", "write", "admin"] });
    expect((await call({ method: "GET", url: "/api/v1/whoami", headers: { "x-api-key": bootstrapKey } })).status).toBe(200);
  });

  it("answers 403 naming the missing scope, and keeps operator-only routes from tenant keys", async () => {
    const reader = await createKey({ name: "reader", tenant: "acme", scopes: ["read"] });
    const denied = await call({ method: "POST", url: "/api/v1/keys", key: reader.Key, payload: { name: "x", scopes: ["read"] } });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain("needs the 'admin' scope");
    expect((await call({ method: "GET", url: "/api/v1/incidents", key: reader.Key })).status).toBe(200);
    const tenantAdmin = await createKey({ name: "acme admin", tenant: "acme", scopes: ["admin"] });
    expect((await call({ method: "GET", url: "/metrics", key: tenantAdmin.Key })).status).toBe(403);
    const operator = await createKey({ name: "prometheus", tenant: "*", scopes: ["read"] });
    const metrics = await call({ method: "GET", url: "/metrics", key: operator.Key });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain("braid_process_");
  });

  it("documents the security schemes and the 401/403 answers in the OpenAPI document", async () => {
    const doc = (await call({ method: "GET", url: "/api/docs/openapi.json" })).body;
    expect(doc.components.securitySchemes).toMatchObject({ bearerAuth: { type: "http", scheme: "bearer" }, apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key" } });
    expect(doc.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(doc.paths["/healthz"].get.security).toEqual([]);
    expect(Object.keys(doc.paths["/api/v1/incidents"].get.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "429"]));
  });
});

describe("API keys", () => {
  it("shows a new key once and stores only its SHA-256", async () => {
    const created = await createKey({ name: "grafana", tenant: "acme", scopes: ["read"] });
    expect(created.Key).toMatch(/^braid_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ Tenant: "acme", Scopes: ["read"], CreatedBy: "bootstrap", RevokedAt: null });
    const listed = (await call({ method: "GET", url: "/api/v1/keys", key: bootstrapKey })).body;
    const entry = listed.Keys.find((k: { KeyId: string }) => k.KeyId === created.KeyId);
    expect(entry).toMatchObject({ Name: "grafana", Tenant: "acme" });
    expect(JSON.stringify(listed)).not.toContain(created.Key);
    const stored = await store.query<Record<string, unknown>>("SELECT * FROM {{db}}.braid_api_keys");
    // The secret is base64url and may itself hold "_": cut it after the fixed-length prefix, not by splitting.
    const secret = created.Key.slice(`braid_${created.KeyId}_`.length);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it("records the last use without a write per request, and shows it in listings", async () => {
    const created = await createKey({ name: "cli", tenant: "acme", scopes: ["read"] });
    for (let i = 0; i < 5; i++) expect((await call({ method: "GET", url: "/api/v1/whoami", key: created.Key })).status).toBe(200);
    const before = await store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.braid_api_key_last_use WHERE KeyId = {id:String}", { id: created.KeyId });
    expect(Number(before[0]!.n)).toBe(0);
    const shown = (await call({ method: "GET", url: `/api/v1/keys/${created.KeyId}`, key: bootstrapKey })).body;
    expect(shown.LastUsedAt).not.toBeNull();
    await app.keyRing.flushLastUse();
    const rows = await store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.braid_api_key_last_use WHERE KeyId = {id:String}", { id: created.KeyId });
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it("stops a revoked key at once, and an expired key with a message saying so", async () => {
    const created = await createKey({ name: "temp", tenant: "acme", scopes: ["read"] });
    expect((await call({ method: "DELETE", url: `/api/v1/keys/${created.KeyId}`, key: bootstrapKey })).body.RevokedAt).not.toBeNull();
    expect((await call({ method: "GET", url: "/api/v1/whoami", key: created.Key })).status).toBe(401);
    expect((await call({ method: "GET", url: "/api/v1/keys", key: bootstrapKey })).body.Keys.map((k: { KeyId: string }) => k.KeyId)).not.toContain(created.KeyId);
    expect((await call({ method: "GET", url: "/api/v1/keys?includeRevoked=true", key: bootstrapKey })).body.Keys.map((k: { KeyId: string }) => k.KeyId)).toContain(created.KeyId);

    const soon = await createKey({ name: "short", tenant: "acme", scopes: ["read"], expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await call({ method: "GET", url: "/api/v1/whoami", key: soon.Key })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const expired = await call({ method: "GET", url: "/api/v1/whoami", key: soon.Key });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toContain("expired");
  });

  it("sees a key created by another API process within the key cache time", async () => {
    const other = await api({ auth: { keyCacheSeconds: 1 } });
    try {
      const created = await createKey({ name: "from elsewhere", tenant: "acme", scopes: ["read"] });
      await eventually(async () => (await call({ method: "GET", url: "/api/v1/whoami", key: created.Key }, other)).status, (status) => status === 200, "the other process to load the key", 10_000);
      await call({ method: "DELETE", url: `/api/v1/keys/${created.KeyId}`, key: bootstrapKey });
      await eventually(async () => (await call({ method: "GET", url: "/api/v1/whoami", key: created.Key }, other)).status, (status) => status === 401, "the other process to drop the revoked key", 10_000);
    } finally {
      await other.close();
    }
  });

  it("lets a tenant admin manage its own tenant's keys only", async () => {
    const acmeAdmin = await createKey({ name: "acme admin", tenant: "acme", scopes: ["admin"] });
    const globexKey = await createKey({ name: "globex reader", tenant: "globex", scopes: ["read"] });
    const own = await createKey({ name: "acme reader", scopes: ["read"] }, acmeAdmin.Key);
    expect(own.Tenant).toBe("acme");
    expect((await call({ method: "POST", url: "/api/v1/keys", key: acmeAdmin.Key, payload: { name: "x", tenant: "globex", scopes: ["read"] } })).status).toBe(403);
    expect((await call({ method: "POST", url: "/api/v1/keys", key: acmeAdmin.Key, payload: { name: "x", tenant: "*", scopes: ["read"] } })).status).toBe(403);
    const listed = (await call({ method: "GET", url: "/api/v1/keys?limit=500", key: acmeAdmin.Key })).body;
    expect(listed.Keys.every((k: { Tenant: string }) => k.Tenant === "acme")).toBe(true);
    expect(listed.Total).toBe(listed.Keys.length);
    const absent = await call({ method: "GET", url: `/api/v1/keys/${"f".repeat(16)}`, key: acmeAdmin.Key });
    const foreign = await call({ method: "GET", url: `/api/v1/keys/${globexKey.KeyId}`, key: acmeAdmin.Key });
    expect(foreign.status).toBe(404);
    expect(foreign.body.message.replace(globexKey.KeyId, "ID")).toBe(absent.body.message.replace("f".repeat(16), "ID"));
    expect((await call({ method: "DELETE", url: `/api/v1/keys/${globexKey.KeyId}`, key: acmeAdmin.Key })).status).toBe(404);
    expect((await call({ method: "GET", url: "/api/v1/whoami", key: globexKey.Key })).status).toBe(200);
  });

  it("rejects bad key requests with 400 naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ tenant: "acme", scopes: ["read"] }, "body.name"],
      [{ name: "x", tenant: "acme", scopes: ["superuser"] }, "body.scopes"],
      [{ name: "x", tenant: "acme'; DROP TABLE x", scopes: ["read"] }, "body.tenant"],
      [{ name: "x", scopes: ["read"] }, "body.tenant: required"],
      [{ name: "x", tenant: "acme", scopes: ["read"], expiresAt: "2001-01-01T00:00:00Z" }, "body.expiresAt"],
      [{ name: "x", tenant: "acme", scopes: ["read"], secretHash: "00" }, "body"],
    ];
    for (const [payload, field] of cases) {
      const response = await call({ method: "POST", url: "/api/v1/keys", key: bootstrapKey, payload });
      expect(response.status, JSON.stringify(payload)).toBe(400);
      expect(response.body.message).toContain(field);
    }
  });
});

describe("audit log", () => {
  it("records every write and admin request, allowed or denied: who, what, when, from where", async () => {
    const reader = await createKey({ name: "audited reader", tenant: "acme", scopes: ["read"] });
    await call({ method: "POST", url: "/api/v1/keys", key: reader.Key, payload: { name: "sneaky", scopes: ["admin"] }, headers: { "user-agent": "braid-test/1" } });
    await call({ method: "GET", url: "/api/v1/incidents", key: reader.Key });
    await app.flushAudit();
    const events = await eventually(
      async () => (await call({ method: "GET", url: "/api/v1/audit?limit=500", key: bootstrapKey })).body.Events as any[],
      (list) => list.some((e) => e.KeyId === reader.KeyId) && list.some((e) => e.Action === "keys.create" && e.Detail.keyId === reader.KeyId),
      "audit records",
      10_000,
    );
    const created = events.find((e) => e.Action === "keys.create" && e.Detail.keyId === reader.KeyId);
    expect(created).toMatchObject({ KeyId: "bootstrap", Tenant: "acme", Outcome: "allowed", StatusCode: 201, Method: "POST", Route: "/api/v1/keys", ClientAddress: "127.0.0.1" });
    expect(created.Detail).toMatchObject({ name: "audited reader", scopes: ["read"] });
    expect(JSON.stringify(events)).not.toContain(reader.Key);
    const denied = events.find((e) => e.KeyId === reader.KeyId);
    expect(denied).toMatchObject({ Outcome: "denied", StatusCode: 403, Tenant: "acme", UserAgent: "braid-test/1" });
    // Reads are not audited.
    expect(events.some((e) => e.Route === "/api/v1/incidents")).toBe(false);
    // A tenant admin sees its own tenant's records only.
    const globexAdmin = await createKey({ name: "globex admin", tenant: "globex", scopes: ["admin"] });
    const own = (await call({ method: "GET", url: "/api/v1/audit?limit=500", key: globexAdmin.Key })).body.Events as any[];
    expect(own.every((e) => e.Tenant === "globex")).toBe(true);
  });
});

describe("hardening", () => {
  it("sends security headers and no CORS headers unless origins are configured", async () => {
    const response = await call({ method: "GET", url: "/healthz", headers: { origin: "https://evil.example" } });
    expect(response.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    const withCors = await api({ corsOrigins: ["https://grafana.example"] });
    try {
      const allowed = await call({ method: "OPTIONS", url: "/api/v1/incidents", headers: { origin: "https://grafana.example", "access-control-request-method": "GET", "access-control-request-headers": "authorization" } }, withCors);
      expect(allowed.status).toBe(204);
      expect(allowed.headers["access-control-allow-origin"]).toBe("https://grafana.example");
      const other = await call({ method: "GET", url: "/healthz", headers: { origin: "https://evil.example" } }, withCors);
      expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });

  it("limits requests per key with 429 and Retry-After, each key on its own budget", async () => {
    const other = await createKey({ name: "other", tenant: "acme", scopes: ["read"] });
    const limited = await api({ rateLimitPerMinute: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call({ method: "GET", url: "/api/v1/whoami", key: bootstrapKey }, limited)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const last = await call({ method: "GET", url: "/api/v1/whoami", key: bootstrapKey }, limited);
      expect(last.headers["retry-after"]).toBeDefined();
      expect(last.body).toMatchObject({ statusCode: 429, error: "Too Many Requests" });
      expect((await call({ method: "GET", url: "/api/v1/whoami", key: other.Key }, limited)).status).toBe(200);
      // Without a valid key the budget is the client address's: guessing keys is limited too.
      const guesses: number[] = [];
      for (let i = 0; i < 4; i++) guesses.push((await call({ method: "GET", url: "/api/v1/whoami", key: `wrong-${i}` }, limited)).status);
      expect(guesses).toEqual([401, 401, 401, 429]);
    } finally {
      await limited.close();
    }
  });

  it("stops a query at the request time limit and answers 503 with advice, not the store's error", async () => {
    const slow = await buildApi({
      deps: { store, logger: createLogger("silent") },
      tracer: trace.getTracer("test"),
      registry: createMetricsRegistry(),
      health: [],
      settings: ApiSettings.parse({ requestTimeoutSeconds: 1, auth: { bootstrapKey } }),
      // A route added by another feature queries through the same bounded store.
      extraRoutes: [async (scope, deps) => void scope.get("/api/v1/test-slow", async () => deps.store.query("SELECT count() AS n FROM numbers(100000000000) WHERE sipHash64(number) = 0"))],
    });
    try {
      const response = await call({ method: "GET", url: "/api/v1/test-slow", key: bootstrapKey }, slow);
      expect(response.status).toBe(503);
      expect(response.body.message).toBe("the query took longer than 1 s and was stopped: narrow the time range or add filters");
      expect(JSON.stringify(response.body)).not.toMatch(/DB::Exception|TIMEOUT_EXCEEDED/);
    } finally {
      await slow.close();
    }
  });

  it("refuses bodies over the limit with 413", async () => {
    const response = await call({ method: "POST", url: "/api/v1/keys", key: bootstrapKey, payload: { name: "x".repeat(2 * 1024 * 1024), scopes: ["read"], tenant: "acme" } });
    expect(response.status).toBe(413);
    expect(response.body.statusCode).toBe(413);
  });
});
