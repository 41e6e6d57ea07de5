// The tenancy matrix: for every route the API registers, a key of one tenant asking for the other
// tenant's objects gets 404 exactly as for an absent object, and lists, counts and aggregates
// never contain the other tenant's data. It iterates over the routes the API actually registers
// (app.routeAccess), so a route added later fails here until it is classified below.
import { trace } from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, type RouteAccess } from "../../api/index.js";
import { createLogger } from "../../runtime/logger.js";
import { createMetricsRegistry } from "../../runtime/metrics.js";
import { ApiSettings } from "../../schemas/config.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { tempDir } from "../support/env.js";
import { ownNames, seedTwoTenants, wholeRange, type TwoTenants } from "../support/tenants.js";

type Tenant = "acme" | "globex";
const tenants: Tenant[] = ["acme", "globex"];
const otherOf = (tenant: Tenant): Tenant => (tenant === "acme" ? "globex" : "acme");

const storage = tempDir("api-tenancy");
const bootstrapKey = "bootstrap-key-for-the-tenancy-matrix-0123456789";
let store: Store;
let app: FastifyInstance;
let seeded: TwoTenants;
/** Per tenant: keys, and ids of objects only that tenant has. */
const fixture = {} as Record<Tenant, { readKey: string; adminKey: string; keyId: string; incidentId: string; traceId: string }>;
/** A trace id both tenants use (the shop's ids are deterministic). */
let sharedTraceId = "";

interface Answer {
  status: number;
  body: any;
}
const call = async (method: string, url: string, key: string, payload?: unknown): Promise<Answer> => {
  const response = await app.inject({ method: method as "GET", url, headers: { authorization: `Bearer ${key}` }, payload: payload as object });
  return { status: response.statusCode, body: response.headers["content-type"]?.toString().includes("json") ? response.json() : response.body };
};

/** The text of an answer with the other tenant's own names searched for. */
const leaks = (body: unknown, other: Tenant) => ownNames[other].filter((name) => JSON.stringify(body).includes(`"${name}"`) || JSON.stringify(body).includes(`${other}:`));

/** How the matrix checks one kind of route. */
type Check =
  | { kind: "public" }
  | { kind: "operator-only" }
  | { kind: "no tenant data"; url: string }
  | { kind: "self"; url: string }
  | { kind: "list"; url: string; own: (body: any, tenant: Tenant) => void }
  | { kind: "object"; url: (tenant: Tenant) => string; absent: string; id: (tenant: Tenant) => string }
  | { kind: "create"; check: (asker: Tenant) => Promise<void> };

const matrix: Record<string, Check> = {
  "GET /healthz": { kind: "public" },
  "GET /api/docs/openapi.json": { kind: "public" },
  "GET /metrics": { kind: "operator-only" },
  "GET /api/v1/glossary": { kind: "no tenant data", url: "/api/v1/glossary" },
  "GET /api/v1/whoami": { kind: "self", url: "/api/v1/whoami" },
  "GET /api/v1/incidents": {
    kind: "list",
    url: `/api/v1/incidents?${wholeRange}&limit=500`,
    own: (body, tenant) => {
      expect(body.Incidents.length).toBeGreaterThan(0);
      expect(body.Incidents.every((i: { Tenant: string }) => i.Tenant === tenant)).toBe(true);
      expect(body.Total).toBe(new Set(seeded.versions.filter((v) => v.tenant === tenant).map((v) => v.incidentId)).size);
    },
  },
  "GET /api/v1/incidents/:incidentId": { kind: "object", url: (t) => `/api/v1/incidents/${fixture[t].incidentId}`, absent: `/api/v1/incidents/inc_${"0".repeat(20)}`, id: (t) => fixture[t].incidentId },
  "GET /api/v1/traces/:traceId": { kind: "object", url: (t) => `/api/v1/traces/${fixture[t].traceId}`, absent: `/api/v1/traces/${"e".repeat(32)}`, id: (t) => fixture[t].traceId },
  "GET /api/v1/services": {
    kind: "list",
    url: `/api/v1/services?${wholeRange}`,
    own: (body, tenant) => {
      const own = (tenant === "acme" ? seeded.acmeRows : seeded.globexRows).filter((row) => row.ServiceName === "checkout" && row.SpanKind === "Server").length;
      expect(body.Services.find((s: { ServiceName: string }) => s.ServiceName === "checkout").Calls).toBe(own);
    },
  },
  "GET /api/v1/service-map": { kind: "list", url: `/api/v1/service-map?${wholeRange}`, own: (body) => expect(body.Edges.length).toBeGreaterThan(0) },
  "GET /api/v1/logs": {
    kind: "list",
    url: `/api/v1/logs?${wholeRange}&limit=500`,
    own: (body, tenant) => {
      expect(body.Logs.length).toBe(2);
      expect(body.Logs.every((l: { Body: string }) => l.Body.startsWith(`${tenant}:`))).toBe(true);
    },
  },
  "GET /api/v1/errors": {
    kind: "list",
    url: `/api/v1/errors?${wholeRange}&limit=1000`,
    own: (body, tenant) => {
      const rows = tenant === "acme" ? seeded.acmeRows : seeded.globexRows;
      const total = body.Errors.reduce((sum: number, e: { SpanCount: number }) => sum + e.SpanCount, 0);
      expect(total).toBe(rows.filter((row) => row.ErrorCode !== "").length);
    },
  },
  "GET /api/v1/keys": {
    kind: "list",
    url: "/api/v1/keys?limit=500&includeRevoked=true",
    own: (body, tenant) => {
      expect(body.Keys.every((k: { Tenant: string }) => k.Tenant === tenant)).toBe(true);
      expect(body.Total).toBe(body.Keys.length);
    },
  },
  "GET /api/v1/keys/:keyId": { kind: "object", url: (t) => `/api/v1/keys/${fixture[t].keyId}`, absent: `/api/v1/keys/${"0".repeat(16)}`, id: (t) => fixture[t].keyId },
  "DELETE /api/v1/keys/:keyId": { kind: "object", url: (t) => `/api/v1/keys/${fixture[t].keyId}`, absent: `/api/v1/keys/${"0".repeat(16)}`, id: (t) => fixture[t].keyId },
  "POST /api/v1/keys": {
    kind: "create",
    check: async (asker) => {
      const denied = await call("POST", "/api/v1/keys", fixture[asker].adminKey, { name: "cross", tenant: otherOf(asker), scopes: ["read"] });
      expect(denied.status).toBe(403);
      const own = await call("POST", "/api/v1/keys", fixture[asker].adminKey, { name: "own", scopes: ["read"] });
      expect(own.body.Tenant).toBe(asker);
    },
  },
  "GET /api/v1/audit": {
    kind: "list",
    url: `/api/v1/audit?limit=500`,
    own: (body, tenant) => {
      expect(body.Events.length).toBeGreaterThan(0);
      expect(body.Events.every((e: { Tenant: string }) => e.Tenant === tenant)).toBe(true);
    },
  },
};

const routeName = (route: RouteAccess) => `${route.method} ${route.url}`;

beforeAll(async () => {
  store = new ChdbStore(storage.dir, "api_tenancy");
  await migrate(store);
  seeded = await seedTwoTenants(store);
  app = await buildApi({
    deps: { store, logger: createLogger("silent") },
    tracer: trace.getTracer("test"),
    registry: createMetricsRegistry(),
    health: [],
    settings: ApiSettings.parse({ auth: { bootstrapKey } }),
  });
  for (const tenant of tenants) {
    const create = async (scopes: string[]) => (await call("POST", "/api/v1/keys", bootstrapKey, { name: `${tenant} ${scopes[0]}`, tenant, scopes })).body;
    const reader = await create(["read"]);
    const admin = await create(["admin"]);
    const spare = await create(["read"]);
    const incident = seeded.versions.find((v) => v.tenant === tenant)!;
    fixture[tenant] = { readKey: reader.Key, adminKey: admin.Key, keyId: spare.KeyId, incidentId: incident.incidentId, traceId: "" };
  }
  // Trace ids of the two tenants coincide (same generator): give each tenant one trace of its own.
  const lonely = (tenant: Tenant) => `${tenant === "acme" ? "a" : "b"}${"1".repeat(31)}`;
  for (const tenant of tenants) {
    const rows = tenant === "acme" ? seeded.acmeRows : seeded.globexRows;
    const own = rows.slice(0, 6).map((row) => ({ ...row, TraceId: lonely(tenant) }));
    await store.insert("otel_traces", own);
    rows.push(...own);
    fixture[tenant].traceId = lonely(tenant);
  }
  sharedTraceId = seeded.acmeRows[0]!.TraceId;
  await app.flushAudit();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  storage.cleanup();
});

describe("tenancy matrix", () => {
  it("classifies every registered route (add new routes to `matrix` in this file)", () => {
    const unclassified = app.routeAccess.map(routeName).filter((name) => !(name in matrix));
    expect(unclassified, "routes missing from the tenancy matrix").toEqual([]);
    const stale = Object.keys(matrix).filter((name) => !app.routeAccess.some((route) => routeName(route) === name));
    expect(stale, "matrix entries for routes that no longer exist").toEqual([]);
  });

  it("gives 401 without a key on every route but the public ones", async () => {
    for (const route of app.routeAccess) {
      const check = matrix[routeName(route)];
      if (!check) continue;
      const url = route.url.replace(/:(\w+)/g, (_, name: string) => (name === "keyId" ? "0".repeat(16) : name === "traceId" ? "e".repeat(32) : `inc_${"0".repeat(20)}`));
      const response = await app.inject({ method: route.method as "GET", url });
      if (check.kind === "public") expect(response.statusCode, routeName(route)).toBeLessThan(400);
      else expect(response.statusCode, routeName(route)).toBe(401);
    }
  });

  for (const asker of tenants) {
    const other = otherOf(asker);
    it(`keeps ${other}'s objects and data from a key of ${asker} on every route`, async () => {
      for (const route of app.routeAccess) {
        const name = routeName(route);
        const check = matrix[name];
        if (!check) continue;
        const key = route.scope === "read" ? fixture[asker].readKey : fixture[asker].adminKey;
        switch (check.kind) {
          case "public":
            break;
          case "operator-only":
            expect((await call(route.method, route.url, fixture[asker].adminKey)).status, name).toBe(403);
            break;
          case "no tenant data": {
            const mine = await call(route.method, check.url, key);
            const theirs = await call(route.method, check.url, route.scope === "read" ? fixture[other].readKey : fixture[other].adminKey);
            expect(mine.status, name).toBe(200);
            expect(mine.body, name).toEqual(theirs.body);
            break;
          }
          case "self":
            expect((await call(route.method, check.url, key)).body.Tenant, name).toBe(asker);
            break;
          case "list": {
            const answer = await call(route.method, check.url, key);
            expect(answer.status, name).toBe(200);
            expect(leaks(answer.body, other), `${name} as ${asker} shows ${other}'s data`).toEqual([]);
            check.own(answer.body, asker);
            break;
          }
          case "object": {
            const foreign = await call(route.method, check.url(other), key);
            const absent = await call(route.method, check.absent, key);
            expect(foreign.status, `${name}: ${other}'s object`).toBe(404);
            expect(absent.status, `${name}: an absent object`).toBe(404);
            // The same answer as for an absent object, id aside: nothing tells that it exists.
            const idOf = (url: string) => url.split("/").at(-1)!;
            expect(JSON.stringify(foreign.body).replace(check.id(other), "ID"), name).toBe(JSON.stringify(absent.body).replace(idOf(check.absent), "ID"));
            expect(Object.keys(foreign.body).sort(), name).toEqual(Object.keys(absent.body).sort());
            break;
          }
          case "create":
            await check.check(asker);
            break;
        }
      }
    });
  }

  it("shows each tenant only its own spans and logs of a trace id both tenants used", async () => {
    for (const tenant of tenants) {
      const trace = await call("GET", `/api/v1/traces/${sharedTraceId}`, fixture[tenant].readKey);
      expect(trace.status).toBe(200);
      expect(leaks(trace.body, otherOf(tenant))).toEqual([]);
      expect(trace.body.SpanCount).toBe(6);
    }
  });

  it("gives an operator key every tenant's objects", async () => {
    const operator = (await call("POST", "/api/v1/keys", bootstrapKey, { name: "operator", tenant: "*", scopes: ["read"] })).body.Key;
    const incidents = (await call("GET", `/api/v1/incidents?${wholeRange}&limit=500`, operator)).body;
    expect(new Set(incidents.Incidents.map((i: { Tenant: string }) => i.Tenant))).toEqual(new Set(tenants));
    for (const tenant of tenants) expect((await call("GET", `/api/v1/incidents/${fixture[tenant].incidentId}`, operator)).status).toBe(200);
  });
});
