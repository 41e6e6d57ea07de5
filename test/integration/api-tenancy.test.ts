// The tenancy matrix: for every route the API registers, a key of one tenant asking for the other
// tenant's objects gets 404 exactly as for an absent object, and lists, counts and aggregates
// never contain the other tenant's data. It iterates over the routes the API actually registers
// (app.routeAccess), so a route added later fails here until it is classified below.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { trace } from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, type RouteAccess } from "../../api/index.js";
import { createLogger } from "../../runtime/logger.js";
import { createMetricsRegistry } from "../../runtime/metrics.js";
import { ApiSettings } from "../../schemas/config.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { tempDir } from "../support/env.js";
import { everyTenantRules, ownNames, seedTwoTenants, wholeRange, type TwoTenants } from "../support/tenants.js";

type Tenant = "acme" | "globex";
const tenants: Tenant[] = ["acme", "globex"];
const otherOf = (tenant: Tenant): Tenant => (tenant === "acme" ? "globex" : "acme");

const storage = tempDir("api-tenancy");
const rulesDir = path.join(storage.dir, "rules");
const bootstrapKey = "bootstrap-key-for-the-tenancy-matrix-0123456789";
let store: Store;
let app: FastifyInstance;
let seeded: TwoTenants;
/** Change events the API was asked to publish: (tenant, service); the Kafka path itself is tested in changes.test.ts. */
const published: { tenant: string | undefined; service: string }[] = [];
/** Per tenant: keys, and ids of objects only that tenant has. */
const fixture = {} as Record<Tenant, { readKey: string; writeKey: string; adminKey: string; keyId: string; incidentId: string; anomalyId: string; traceId: string; fingerprint: string; rule: string; silenceId: string }>;
/** Each tenant's anomalies, as the correlator stored them. */
const anomalyIds = {} as Record<Tenant, string[]>;
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
  | { kind: "public"; optional?: boolean }
  | { kind: "operator-only" }
  | { kind: "no tenant data"; url: string }
  | { kind: "self"; url: string }
  | { kind: "list"; url: string | ((asker: Tenant) => string); own: (body: any, tenant: Tenant) => void; echoes?: string[] }
  | { kind: "object"; url: (tenant: Tenant) => string; absent: string; absentId?: string; id: (tenant: Tenant) => string; payload?: unknown; after?: (owner: Tenant) => Promise<void> }
  | { kind: "create"; check: (asker: Tenant) => Promise<void> };

/** The other tenant still has its rule, unchanged, after a call that must not have touched it. */
const ruleIntact = async (owner: Tenant) => {
  const rule = await call("GET", `/api/v1/rules/${fixture[owner].rule}`, fixture[owner].readKey);
  expect(rule.status).toBe(200);
  expect(rule.body).toMatchObject({ Tenant: owner, Origin: "api" });
  expect(rule.body.Definition.threshold).toBe(0.5);
};
const silenceIntact = async (owner: Tenant) => {
  const silence = await call("GET", `/api/v1/silences/${fixture[owner].silenceId}`, fixture[owner].readKey);
  expect(silence.body.status.state).toBe("active");
};
const ownRule = (tenant: Tenant) => ({ kind: "error_rate", target: { service: "checkout" }, threshold: 0.5, window: "1m", labels: { team: tenant } });

const matrix: Record<string, Check> = {
  "GET /healthz": { kind: "public" },
  // The web page (its API calls carry the key).
  "GET /": { kind: "public" },
  "GET /ui": { kind: "public" },
  "GET /ui/": { kind: "public" },
  "GET /ui/*": { kind: "public" },
  "GET /ui/assets/*": { kind: "public", optional: true },
  "GET /api/docs/openapi.json": { kind: "public" },
  "GET /metrics": { kind: "operator-only" },
  "GET /api/v1/glossary": { kind: "no tenant data", url: "/api/v1/glossary" },
  // Matches the text the caller sends against the glossary: nothing stored is read.
  "GET /api/v1/glossary/match": { kind: "no tenant data", url: `/api/v1/glossary/match?message=${encodeURIComponent("dial tcp 10.0.0.5:5432: connect: connection refused")}&language=go` },
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
  "GET /api/v1/incidents/:incidentId/series": { kind: "object", url: (t) => `/api/v1/incidents/${fixture[t].incidentId}/series`, absent: `/api/v1/incidents/inc_${"0".repeat(20)}/series`, absentId: `inc_${"0".repeat(20)}`, id: (t) => fixture[t].incidentId },
  "GET /api/v1/traces/:traceId": { kind: "object", url: (t) => `/api/v1/traces/${fixture[t].traceId}`, absent: `/api/v1/traces/${"e".repeat(32)}`, id: (t) => fixture[t].traceId },
  "GET /api/v1/services": {
    kind: "list",
    url: `/api/v1/services?${wholeRange}`,
    own: (body, tenant) => {
      const own = (tenant === "acme" ? seeded.acmeRows : seeded.globexRows).filter((row) => row.ServiceName === "checkout" && row.SpanKind === "Server").length;
      expect(body.Services.find((s: { ServiceName: string }) => s.ServiceName === "checkout").Calls).toBe(own);
    },
  },
  "GET /api/v1/services/:service": {
    kind: "object",
    url: (t) => `/api/v1/services/${ownNames[t][0]}?${wholeRange}`,
    absent: `/api/v1/services/no-such-service?${wholeRange}`,
    absentId: "no-such-service",
    id: (t) => ownNames[t][0]!,
  },
  "GET /api/v1/services/:service/series": {
    kind: "list",
    url: (asker) => `/api/v1/services/${ownNames[otherOf(asker)][0]}/series?${wholeRange}`,
    own: (body) => expect(body.Points.every((point: { Calls: number }) => point.Calls === 0)).toBe(true),
    // The answer names the node the caller asked for; nothing else may come from the other tenant.
    echoes: ["Node"],
  },
  "GET /api/v1/anomalies": {
    kind: "list",
    url: `/api/v1/anomalies?${wholeRange}&limit=1000`,
    own: (body, tenant) => {
      expect(body.Anomalies.length).toBeGreaterThan(0);
      expect(body.Anomalies.map((a: { AnomalyId: string }) => a.AnomalyId).sort()).toEqual([...anomalyIds[tenant]].sort());
    },
  },
  "GET /api/v1/anomalies/:anomalyId/series": { kind: "object", url: (t) => `/api/v1/anomalies/${fixture[t].anomalyId}/series`, absent: `/api/v1/anomalies/anm_${"0".repeat(20)}/series`, absentId: `anm_${"0".repeat(20)}`, id: (t) => fixture[t].anomalyId },
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
  "GET /api/v1/changes": {
    kind: "list",
    url: `/api/v1/changes?${wholeRange}`,
    own: (body, tenant) => {
      expect(body.Changes.length).toBeGreaterThan(0);
      expect(body.Changes.every((c: { Tenant: string }) => c.Tenant === tenant)).toBe(true);
    },
  },
  "POST /api/v1/changes": {
    kind: "create",
    check: async (asker) => {
      const deploy = { time: new Date().toISOString(), service: `${asker}-svc`, kind: "deploy", version: "2.0.0" };
      expect((await call("POST", "/api/v1/changes", fixture[asker].readKey, deploy)).status).toBe(403);
      const own = await call("POST", `/api/v1/changes?tenant=${otherOf(asker)}`, fixture[asker].writeKey, deploy);
      expect(own.status).toBe(202);
      // A tenant's key announces for its own tenant, whatever the query asks.
      expect(published.filter((p) => p.service === `${asker}-svc`).map((p) => p.tenant)).toEqual([asker]);
    },
  },
  "GET /api/v1/alerts": {
    kind: "list",
    url: "/api/v1/alerts?limit=500",
    own: (body, tenant) => {
      expect(body.Alerts.length).toBeGreaterThan(0);
      expect(body.Alerts.every((a: { Tenant: string; Labels: Record<string, string> }) => a.Tenant === tenant && a.Labels.tenant === tenant)).toBe(true);
      expect(body.Total).toBe(body.Alerts.length);
    },
  },
  "GET /api/v1/alerts/:fingerprint": { kind: "object", url: (t) => `/api/v1/alerts/${fixture[t].fingerprint}`, absent: `/api/v1/alerts/${"0".repeat(16)}`, id: (t) => fixture[t].fingerprint },
  "GET /api/v1/slos": {
    kind: "list",
    url: "/api/v1/slos",
    own: (body, tenant) => {
      expect(body.Slos.length).toBeGreaterThan(0);
      expect(body.Slos.every((slo: { Tenant: string }) => slo.Tenant === tenant)).toBe(true);
    },
  },
  "GET /api/v1/alerts/notifications": {
    kind: "list",
    url: "/api/v1/alerts/notifications?limit=500",
    own: (body, tenant) => expect(body.Notifications.every((n: { Tenant: string }) => n.Tenant === tenant)).toBe(true),
  },
  "GET /api/v1/rules": {
    kind: "list",
    url: "/api/v1/rules",
    own: (body, tenant) => {
      const names = body.Rules.map((r: { Name: string }) => r.Name);
      expect(names).toContain(fixture[tenant].rule);
      expect(names).not.toContain(fixture[otherOf(tenant)].rule);
      expect(body.Rules.every((r: { Tenant: string | null }) => r.Tenant === null || r.Tenant === tenant)).toBe(true);
    },
  },
  "GET /api/v1/rules/:name": { kind: "object", url: (t) => `/api/v1/rules/${fixture[t].rule}`, absent: "/api/v1/rules/no-such-rule", id: (t) => fixture[t].rule },
  "DELETE /api/v1/rules/:name": { kind: "object", url: (t) => `/api/v1/rules/${fixture[t].rule}`, absent: "/api/v1/rules/no-such-rule", id: (t) => fixture[t].rule, after: ruleIntact },
  "PUT /api/v1/rules/:name": {
    kind: "create",
    check: async (asker) => {
      // Writing under the other tenant's rule name makes a rule of one's own; theirs is untouched.
      const other = otherOf(asker);
      const put = await call("PUT", `/api/v1/rules/${fixture[other].rule}`, fixture[asker].writeKey, { ...ownRule(asker), threshold: 0.9 });
      expect(put.status).toBe(200);
      expect(put.body.Tenant).toBe(asker);
      await ruleIntact(other);
      expect((await call("DELETE", `/api/v1/rules/${fixture[other].rule}`, fixture[asker].writeKey)).status).toBe(204);
      await ruleIntact(other);
      // A rule that evaluates for every tenant is the operator's to replace.
      const shared = await call("PUT", "/api/v1/rules/checkout-errors-api", fixture[asker].writeKey, { ...ownRule(asker), tenant: "*" });
      expect(shared.status).toBe(400);
      expect((await call("PUT", "/api/v1/rules/every-tenant", fixture[asker].writeKey, ownRule(asker))).status).toBe(409);
      expect((await call("GET", "/api/v1/rules/every-tenant", fixture[asker].readKey)).body.Tenant).toBeNull();
    },
  },
  "POST /api/v1/rules": {
    kind: "create",
    check: async (asker) => {
      const denied = await call("POST", "/api/v1/rules", fixture[asker].writeKey, { ...ownRule(asker), name: `cross-${asker}`, tenant: otherOf(asker) });
      expect(denied.status).toBe(400);
      expect((await call("GET", `/api/v1/rules/cross-${asker}`, fixture[otherOf(asker)].readKey)).status).toBe(404);
    },
  },
  "GET /api/v1/silences": {
    kind: "list",
    url: "/api/v1/silences",
    own: (body, tenant) => {
      expect(body.Silences.length).toBeGreaterThan(0);
      expect(body.Silences.every((x: { tenant: string }) => x.tenant === tenant)).toBe(true);
    },
  },
  "GET /api/v1/silences/:id": { kind: "object", url: (t) => `/api/v1/silences/${fixture[t].silenceId}`, absent: "/api/v1/silences/00000000-0000-4000-8000-000000000000", id: (t) => fixture[t].silenceId },
  "DELETE /api/v1/silences/:id": {
    kind: "object",
    url: (t) => `/api/v1/silences/${fixture[t].silenceId}`,
    absent: "/api/v1/silences/00000000-0000-4000-8000-000000000000",
    id: (t) => fixture[t].silenceId,
    after: silenceIntact,
  },
  "POST /api/v1/silences": {
    kind: "create",
    check: async (asker) => {
      const denied = await call("POST", "/api/v1/silences", fixture[asker].writeKey, { matchers: [{ name: "alertname", value: "checkout-errors", isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), tenant: otherOf(asker), comment: "cross" });
      expect(denied.status).toBe(400);
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
  store = new ChdbStore(path.join(storage.dir, "chdb"), "api_tenancy");
  await migrate(store);
  mkdirSync(rulesDir);
  writeFileSync(path.join(rulesDir, "every-tenant.yaml"), everyTenantRules);
  seeded = await seedTwoTenants(store, { rulesDir });
  app = await buildApi({
    deps: {
      store,
      logger: createLogger("silent"),
      alerting: { rulesDir },
      publishChange: async (event, tenant) => {
        published.push({ tenant, service: event.service });
        return { changeId: "chg_test", tenant: tenant ?? "default", topic: "braid_changes" };
      },
    },
    tracer: trace.getTracer("test"),
    registry: createMetricsRegistry(),
    health: [],
    settings: ApiSettings.parse({ auth: { bootstrapKey } }),
  });
  for (const tenant of tenants) {
    const create = async (scopes: string[]) => (await call("POST", "/api/v1/keys", bootstrapKey, { name: `${tenant} ${scopes[0]}`, tenant, scopes })).body;
    const reader = await create(["read"]);
    const writer = await create(["write"]);
    const admin = await create(["admin"]);
    const spare = await create(["read"]);
    const incident = seeded.versions.find((v) => v.tenant === tenant)!;
    const [alert] = (await call("GET", "/api/v1/alerts?limit=1", reader.Key)).body.Alerts;
    const rule = `${tenant}-only-rule`;
    const created = await call("POST", "/api/v1/rules", writer.Key, { ...ownRule(tenant), name: rule });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const silence = await call("POST", "/api/v1/silences", writer.Key, {
      matchers: [{ name: "alertname", value: "checkout-errors", isRegex: false }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
      comment: `${tenant}: maintenance`,
    });
    expect(silence.status, JSON.stringify(silence.body)).toBe(201);
    anomalyIds[tenant] = (await store.query<{ AnomalyId: string }>("SELECT DISTINCT AnomalyId FROM {{db}}.braid_anomalies FINAL WHERE Tenant = {tenant:String}", { tenant })).map((row) => row.AnomalyId);
    fixture[tenant] = { readKey: reader.Key, writeKey: writer.Key, adminKey: admin.Key, keyId: spare.KeyId, incidentId: incident.incidentId, anomalyId: anomalyIds[tenant][0]!, traceId: "", fingerprint: alert.Fingerprint, rule, silenceId: silence.body.id };
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
  // One stored change event per tenant.
  for (const tenant of tenants) {
    await store.insert("braid_changes", [
      { ChangeId: `chg-${tenant}`, At: `${BigInt(seeded.versions[0]!.startedAt) * 1_000_000_000n}`, Service: ownNames[tenant][0]!, Kind: "deploy", Version: "1.4.3", PreviousVersion: "", Description: "", Author: "", Source: "ci", Url: "", Attributes: {}, Tenant: tenant, IngestedAt: new Date().toISOString() },
    ]);
  }
  // An API rule of the operator's that evaluates for every tenant.
  expect((await call("POST", "/api/v1/rules", bootstrapKey, { ...ownRule("acme"), name: "every-tenant", labels: {} })).status).toBe(201);
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
    const stale = Object.entries(matrix).filter(([name, check]) => !(check.kind === "public" && check.optional) && !app.routeAccess.some((route) => routeName(route) === name)).map(([name]) => name);
    expect(stale, "matrix entries for routes that no longer exist").toEqual([]);
  });

  it("gives 401 without a key on every route but the public ones", async () => {
    for (const route of app.routeAccess) {
      const check = matrix[routeName(route)];
      if (!check) continue;
      const url = route.url.replace(/:(\w+)/g, (_, name: string) => (name === "keyId" ? "0".repeat(16) : name === "traceId" ? "e".repeat(32) : `inc_${"0".repeat(20)}`));
      const response = await app.inject({ method: route.method as "GET", url });
      if (check.kind === "public") expect([401, 403], routeName(route)).not.toContain(response.statusCode);
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
        const key = { read: fixture[asker].readKey, write: fixture[asker].writeKey, admin: fixture[asker].adminKey }[route.scope];
        switch (check.kind) {
          case "public":
            break;
          case "operator-only":
            expect((await call(route.method, route.url, fixture[asker].adminKey)).status, name).toBe(403);
            break;
          case "no tenant data": {
            const mine = await call(route.method, check.url, key);
            const theirs = await call(route.method, check.url, fixture[other].readKey);
            expect(mine.status, name).toBe(200);
            expect(mine.body, name).toEqual(theirs.body);
            break;
          }
          case "self":
            expect((await call(route.method, check.url, key)).body.Tenant, name).toBe(asker);
            break;
          case "list": {
            const answer = await call(route.method, typeof check.url === "string" ? check.url : check.url(asker), key);
            expect(answer.status, name).toBe(200);
            const shown = Object.fromEntries(Object.entries(answer.body).filter(([field]) => !check.echoes?.includes(field)));
            expect(leaks(shown, other), `${name} as ${asker} shows ${other}'s data`).toEqual([]);
            check.own(answer.body, asker);
            break;
          }
          case "object": {
            const foreign = await call(route.method, check.url(other), key, check.payload);
            const absent = await call(route.method, check.absent, key, check.payload);
            expect(foreign.status, `${name}: ${other}'s object`).toBe(404);
            expect(absent.status, `${name}: an absent object`).toBe(404);
            // The same answer as for an absent object, id aside: nothing tells that it exists.
            const absentId = check.absentId ?? check.absent.split("/").at(-1)!;
            expect(JSON.stringify(foreign.body).replace(check.id(other), "ID"), name).toBe(JSON.stringify(absent.body).replace(absentId, "ID"));
            expect(Object.keys(foreign.body).sort(), name).toEqual(Object.keys(absent.body).sort());
            await check.after?.(other);
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
