// The correlator's processors against a real (embedded) store: spans of the shop with an injected
// fault are inserted as canonical rows, then detection and correlation ticks run at simulated
// times. No Redis needed: processors are functions of their input and a store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCorrelation, runDetection } from "../../correlator/index.js";
import type { Incident } from "../../correlator/index.js";
import { CorrelatorSettings } from "../../schemas/config.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { tempDir } from "../support/env.js";
import { shopTraffic, type ShopFault } from "../support/rows.js";

const settings = CorrelatorSettings.parse({});
const storage = tempDir("correlator");
let store: Store;
let database = 0;

beforeAll(() => {
  store = new ChdbStore(storage.dir, "unused");
});
afterAll(async () => {
  await store.close();
  storage.cleanup();
});

/** A fresh database with 10 minutes of healthy traffic, then 3 minutes with the fault (if any). */
async function scenario(fault?: Omit<ShopFault, "fromSecond" | "toSecond">): Promise<{ db: Store; start: number; faultStart: number }> {
  const db = new ChdbStore(storage.dir, `correlator_${++database}`);
  await migrate(db);
  const start = 1_800_000_000;
  const faultStart = start + 600;
  const rows = shopTraffic({ startSecond: start, seconds: 600 + 180 + 120, requestsPerSecond: 4, fault: fault && { ...fault, fromSecond: 600, toSecond: 780 } });
  for (let i = 0; i < rows.length; i += 20_000) await db.insert("otel_traces", rows.slice(i, i + 20_000));
  return { db, start, faultStart };
}

/** Ticks every 10 s over [from, to); returns every incident version written and the first open time. */
async function tick(db: Store, from: number, to: number): Promise<{ versions: Incident[]; firstOpenedAt?: number }> {
  const versions: Incident[] = [];
  let firstOpenedAt: number | undefined;
  for (let now = from; now < to; now += settings.tickSeconds) {
    await runDetection(db, settings, now * 1000);
    const result = await runCorrelation(db, settings, now * 1000);
    versions.push(...result.incidents);
    if (firstOpenedAt === undefined && result.incidents.length > 0) firstOpenedAt = now;
  }
  return { versions, firstOpenedAt };
}

const incidentsIn = (versions: Incident[]) => [...new Set(versions.map((v) => v.incidentId))];
const latest = (versions: Incident[], id: string) => versions.filter((v) => v.incidentId === id).at(-1)!;

describe("correlator processors on a real store", () => {
  it("opens exactly one incident for connection refused at postgres, names postgres first, and resolves it", async () => {
    const { db, faultStart } = await scenario({ node: "postgres", kind: "error", errorCode: "UNAVAILABLE.CONNECTION_REFUSED" });
    const { versions, firstOpenedAt } = await tick(db, faultStart - 60, faultStart + 180 + settings.resolveAfterSeconds + 60);
    const ids = incidentsIn(versions);
    expect(ids).toHaveLength(1);
    const incident = latest(versions, ids[0]!);
    expect(incident.status).toBe("resolved");
    const open = versions.find((v) => v.status === "open")!;
    expect(open.rootCauses[0]).toMatchObject({ node: "postgres", nodeType: "database", errorCode: "UNAVAILABLE.CONNECTION_REFUSED" });
    expect(open.rootCauses[0]!.reason).toContain("calls from payments to it fail with UNAVAILABLE.CONNECTION_REFUSED");
    expect(open.services).toEqual(expect.arrayContaining(["postgres", "payments", "checkout", "frontend"]));
    expect(open.exemplarTraceIds.length).toBeGreaterThan(0);
    // Detected within a minute of the fault starting (ticks are simulated, so this is exact).
    expect(firstOpenedAt! - faultStart).toBeLessThanOrEqual(60);
    // The edge job built the graph the grouping used.
    const edges = await db.query<{ Caller: string; Callee: string }>("SELECT DISTINCT Caller, Callee FROM {{db}}.braid_service_edges ORDER BY Caller, Callee");
    expect(edges).toEqual([
      { Caller: "checkout", Callee: "inventory" },
      { Caller: "checkout", Callee: "payments" },
      { Caller: "frontend", Callee: "checkout" },
      { Caller: "inventory", Callee: "redis" },
      { Caller: "payments", Callee: "postgres" },
    ]);
    await db.close();
  });

  it("names the Rust service whose own spans fail (a panic in payments), not its callers or its database", async () => {
    const { db, faultStart } = await scenario({ node: "payments", kind: "error", errorCode: "INTERNAL.PANIC" });
    const { versions } = await tick(db, faultStart - 30, faultStart + 120);
    const ids = incidentsIn(versions);
    expect(ids).toHaveLength(1);
    expect(latest(versions, ids[0]!).rootCauses[0]).toMatchObject({ node: "payments", errorCode: "INTERNAL.PANIC" });
    await db.close();
  });

  it("keeps an exhausted connection pool with the service that owns the pool, though it is recorded on the client span to postgres", async () => {
    const { db, faultStart } = await scenario({ node: "postgres", kind: "error", errorCode: "RESOURCE_EXHAUSTED.POOL_TIMEOUT" });
    const { versions } = await tick(db, faultStart - 30, faultStart + 120);
    const ids = incidentsIn(versions);
    expect(ids).toHaveLength(1);
    expect(latest(versions, ids[0]!).rootCauses[0]).toMatchObject({ node: "payments", nodeType: "service", errorCode: "RESOURCE_EXHAUSTED.POOL_TIMEOUT" });
    await db.close();
  });

  it("names the service that got slow (inventory, +300 ms) for a latency incident", async () => {
    const { db, faultStart } = await scenario({ node: "inventory", kind: "latency", addedLatencyMs: 300 });
    const { versions } = await tick(db, faultStart - 30, faultStart + 120);
    const ids = incidentsIn(versions);
    expect(ids).toHaveLength(1);
    const incident = latest(versions, ids[0]!);
    expect(incident.rootCauses[0]).toMatchObject({ node: "inventory" });
    expect(incident.title).toContain("slow responses");
    await db.close();
  });

  it("opens nothing on fault-free traffic", async () => {
    const { db, faultStart } = await scenario();
    const { versions } = await tick(db, faultStart - 30, faultStart + 180);
    expect(versions).toEqual([]);
    const [anomalies] = await db.query<{ n: string }>("SELECT count() AS n FROM {{db}}.braid_anomalies");
    expect(anomalies!.n).toBe("0");
    await db.close();
  });
});
