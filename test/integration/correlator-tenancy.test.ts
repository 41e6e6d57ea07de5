// Two tenants failing at the same time, in one real (embedded) store, with the same trace and span
// ids: the correlator must open one incident per tenant, each built only from its own tenant's
// anomalies, graph, evidence, exemplar traces and logs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Incident } from "../../correlator/index.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { tempDir } from "../support/env.js";
import { ownNames, seedTwoTenants, tenantNodes, type TwoTenants } from "../support/tenants.js";

const storage = tempDir("correlator-tenancy");
let store: Store;
let seeded: TwoTenants;

beforeAll(async () => {
  store = new ChdbStore(storage.dir, "correlator_tenancy");
  await migrate(store);
  seeded = await seedTwoTenants(store);
});
afterAll(async () => {
  await store?.close();
  storage.cleanup();
});

const latestOf = (tenant: string): Incident[] => {
  const byId = new Map<string, Incident>();
  for (const version of seeded.versions) if (version.tenant === tenant) byId.set(version.incidentId, version);
  return [...byId.values()];
};

describe("correlation with two tenants failing at once", () => {
  it("opens one incident per tenant, each ranking its own root cause first", () => {
    expect(new Set(seeded.versions.map((v) => v.tenant))).toEqual(new Set(["acme", "globex"]));
    const [acme, ...moreAcme] = latestOf("acme");
    const [globex, ...moreGlobex] = latestOf("globex");
    expect(moreAcme).toEqual([]);
    expect(moreGlobex).toEqual([]);
    expect(acme!.rootCauses[0]).toMatchObject({ node: "postgres", errorCode: "UNAVAILABLE.CONNECTION_REFUSED" });
    expect(globex!.rootCauses[0]).toMatchObject({ node: "redis", errorCode: "UNAVAILABLE.CONNECTION_RESET" });
  });

  it("never puts a node, anomaly, error code, exemplar trace or log of one tenant into the other's incident", async () => {
    for (const [tenant, other] of [["acme", "globex"], ["globex", "acme"]] as const) {
      for (const incident of latestOf(tenant)) {
        const text = JSON.stringify({ services: incident.services, title: incident.title, rootCauses: incident.rootCauses, logs: incident.sampleLogs });
        for (const name of ownNames[other]) expect(text, `${tenant}'s incident mentions ${other}'s ${name}`).not.toContain(`"${name}"`);
        expect(incident.services.every((node) => tenantNodes[tenant].includes(node))).toBe(true);
        expect(incident.sampleLogs.length).toBeGreaterThan(0);
        expect(incident.sampleLogs.every((log) => log.body.startsWith(`${tenant}:`))).toBe(true);
        const anomalies = await store.query<{ Tenant: string }>("SELECT DISTINCT Tenant FROM {{db}}.braid_anomalies FINAL WHERE AnomalyId IN {ids:Array(String)}", { ids: incident.anomalyIds });
        expect(anomalies).toEqual([{ Tenant: tenant }]);
        // The exemplar ids exist in both tenants (same ids): in this tenant they must show the fault.
        const exemplarErrors = await store.query<{ n: string }>(
          "SELECT count() AS n FROM {{db}}.otel_traces WHERE Tenant = {tenant:String} AND TraceId IN {ids:Array(String)} AND StatusCode = 'Error'",
          { tenant, ids: incident.exemplarTraceIds },
        );
        expect(Number(exemplarErrors[0]!.n)).toBeGreaterThan(0);
      }
    }
  });

  it("builds each tenant's dependency graph from its own spans only, even where trace and span ids collide", async () => {
    const edges = await store.query<{ Tenant: string; Caller: string; Callee: string; Calls: string }>(
      "SELECT Tenant, Caller, Callee, sum(Calls) AS Calls FROM {{db}}.braid_service_edges FINAL GROUP BY Tenant, Caller, Callee ORDER BY Tenant, Caller, Callee",
    );
    for (const tenant of ["acme", "globex"] as const) {
      const own = edges.filter((edge) => edge.Tenant === tenant);
      expect(own.length).toBeGreaterThan(0);
      for (const edge of own) {
        expect(tenantNodes[tenant], `${tenant} edge ${edge.Caller} → ${edge.Callee}`).toContain(edge.Caller);
        expect(tenantNodes[tenant], `${tenant} edge ${edge.Caller} → ${edge.Callee}`).toContain(edge.Callee);
      }
    }
    // Calls per edge are each tenant's own request rate (3/s), not a join of both.
    const checkoutToInventory = (tenant: string) => edges.filter((e) => e.Tenant === tenant && e.Caller === "checkout" && e.Callee === "inventory").reduce((sum, e) => sum + Number(e.Calls), 0);
    const buckets = await store.query<{ n: string }>("SELECT uniqExact(Bucket) AS n FROM {{db}}.braid_service_edges FINAL WHERE Tenant = 'acme' AND Caller = 'checkout' AND Callee = 'inventory'");
    expect(checkoutToInventory("acme")).toBe(Number(buckets[0]!.n) * 10 * 3);
    expect(checkoutToInventory("globex")).toBe(Number(buckets[0]!.n) * 10 * 3);
  });
});
