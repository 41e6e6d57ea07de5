// The correlator's processors against a real (embedded) store: spans of the shop with an injected
// fault are inserted as canonical rows, then detection and correlation ticks run at simulated
// times. No Redis needed: processors are functions of their input and a store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCorrelation, runDetection } from "../../correlator/index.js";
import type { Incident, IncidentEvent } from "../../correlator/index.js";
import { CorrelatorSettings } from "../../schemas/config.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { tempDir } from "../support/env.js";
import { calleeTypeSql, isCallSql, peerNameSql } from "../../correlator/nodes.js";
import type { TraceRow } from "../../schemas/rows.js";
import { hotrodTraffic, shopTraffic, type ShopFault } from "../support/rows.js";

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

type Fault = Omit<ShopFault, "fromSecond" | "toSecond">;

/** A fresh database with 10 minutes of healthy traffic, then 3 minutes with the faults (if any). */
async function scenario(
  fault?: Fault | Fault[],
  options: { clientSpans?: boolean; rows?: (start: number) => TraceRow[]; version?: (service: string, second: number) => string | undefined } = {},
): Promise<{ db: Store; start: number; faultStart: number }> {
  const db = new ChdbStore(storage.dir, `correlator_${++database}`);
  await migrate(db);
  const start = 1_800_000_000;
  const faultStart = start + 600;
  const faults = (Array.isArray(fault) ? fault : fault ? [fault] : []).map((f) => ({ ...f, fromSecond: 600, toSecond: 780 }));
  const rows = options.rows?.(start) ?? shopTraffic({ startSecond: start, seconds: 600 + 180 + 120, requestsPerSecond: 4, faults, clientSpans: options.clientSpans, version: options.version });
  for (let i = 0; i < rows.length; i += 20_000) await db.insert("otel_traces", rows.slice(i, i + 20_000));
  return { db, start, faultStart };
}

/** Ticks every tickSeconds over [from, to); returns every incident version and event written, and the first open time. */
async function tick(db: Store, from: number, to: number): Promise<{ versions: Incident[]; events: IncidentEvent[]; firstOpenedAt?: number }> {
  const versions: Incident[] = [];
  const events: IncidentEvent[] = [];
  let firstOpenedAt: number | undefined;
  for (let now = from; now < to; now += settings.tickSeconds) {
    await runDetection(db, settings, now * 1000);
    const result = await runCorrelation(db, settings, now * 1000);
    versions.push(...result.incidents);
    events.push(...result.events);
    if (firstOpenedAt === undefined && result.incidents.length > 0) firstOpenedAt = now;
  }
  return { versions, events, firstOpenedAt };
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
    // Ticks are simulated (every tickSeconds, data all stored at once), so the delay is exact: the
    // fault's first bucket closes (10 s), the ingest-lag allowance passes (3 s), the next bucket
    // confirms it (10 s), and the next tick (5 s) opens the incident.
    expect(firstOpenedAt! - faultStart).toBeLessThanOrEqual(10 + 3 + 10 + settings.tickSeconds);
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

  it("names the service that got slow (inventory, +300 ms) for a latency incident, as fast as an error incident", async () => {
    const { db, faultStart } = await scenario({ node: "inventory", kind: "latency", addedLatencyMs: 300 });
    const { versions, firstOpenedAt } = await tick(db, faultStart - 30, faultStart + 120);
    expect(firstOpenedAt! - faultStart).toBeLessThanOrEqual(10 + 3 + 10 + settings.tickSeconds);
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

  it("ranks payments first when checkout's calls to it fail before reaching it (an expired certificate: no payments span at all)", async () => {
    const { db, faultStart } = await scenario({ node: "payments", kind: "unreached", errorCode: "UNAUTHENTICATED.TLS_CERT_EXPIRED" }, { clientSpans: true });
    const { versions } = await tick(db, faultStart - 30, faultStart + 120);
    const ids = incidentsIn(versions);
    expect(ids).toHaveLength(1);
    const incident = latest(versions, ids[0]!);
    expect(incident.rootCauses[0]).toMatchObject({ node: "payments", nodeType: "service", errorCode: "UNAUTHENTICATED.TLS_CERT_EXPIRED", boundary: "unanswered", callers: ["checkout"] });
    expect(incident.rootCauses[0]!.reason).toMatch(/^Calls from checkout to payments fail before reaching payments \(no server span\): UNAUTHENTICATED.TLS_CERT_EXPIRED/);
    expect(incident.rootCauses[1]!.node).toBe("checkout");
    await db.close();
  });

  it("blames a slow payments for the calls that time out waiting for it, with the caller's own code for the timeout", async () => {
    // Rust caller shape: checkout's client span gives up ("deadline has elapsed"), payments' server
    // span records the cancel it sees when the caller goes away. The cancel is a consequence.
    const rust = await scenario({ node: "payments", kind: "timeout", addedLatencyMs: 900, errorCode: "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", calleeCode: "CANCELLED.CLIENT", rate: 0.5 }, { clientSpans: true });
    const first = await tick(rust.db, rust.faultStart - 30, rust.faultStart + 120);
    expect(incidentsIn(first.versions)).toHaveLength(1);
    expect(latest(first.versions, incidentsIn(first.versions)[0]!).rootCauses[0]).toMatchObject({ node: "payments", boundary: "answered_slow", errorCode: "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", callers: ["checkout"] });
    await rust.db.close();
    // Go caller shape: otelhttp's client span records "net/http: request canceled", the handler that
    // called http.Client got "… (Client.Timeout exceeded while awaiting headers)".
    const go = await scenario({ node: "payments", kind: "timeout", addedLatencyMs: 900, errorCode: "CANCELLED.CLIENT", reportedCode: "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT", rate: 0.5 }, { clientSpans: true });
    const second = await tick(go.db, go.faultStart - 30, go.faultStart + 120);
    expect(incidentsIn(second.versions)).toHaveLength(1);
    expect(latest(second.versions, incidentsIn(second.versions)[0]!).rootCauses[0]).toMatchObject({ node: "payments", boundary: "answered_slow", errorCode: "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT" });
    await go.db.close();
  });

  it("keeps the caller first with client spans too, when the failure is its own (an exhausted pool)", async () => {
    const { db, faultStart } = await scenario({ node: "postgres", kind: "error", errorCode: "RESOURCE_EXHAUSTED.POOL_TIMEOUT" }, { clientSpans: true });
    const { versions } = await tick(db, faultStart - 30, faultStart + 120);
    const ids = incidentsIn(versions);
    expect(ids).toHaveLength(1);
    expect(latest(versions, ids[0]!).rootCauses[0]).toMatchObject({ node: "payments", boundary: "caller" });
    await db.close();
  });

  it("separates two faults at once (a panic in payments, redis timeouts under inventory), each first among its own candidates", async () => {
    const { db, faultStart } = await scenario(
      [
        { node: "payments", kind: "error", errorCode: "INTERNAL.PANIC", rate: 0.4 },
        { node: "redis", kind: "error", errorCode: "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", rate: 0.4 },
      ],
      { clientSpans: true },
    );
    const { versions } = await tick(db, faultStart - 30, faultStart + 120);
    const latestOf = incidentsIn(versions).map((id) => latest(versions, id));
    // Either two incidents or one with two causes; each injected cause ranked first in its own list.
    const rankings = latestOf.flatMap((incident) => (incident.causes.length > 1 ? incident.causes.map((c) => c.rootCauses.map((r) => r.node)) : [incident.rootCauses.map((r) => r.node)]));
    for (const expected of ["payments", "redis"]) expect(rankings.some((ranking) => ranking[0] === expected)).toBe(true);
    const together = latestOf.find((incident) => incident.causes.length > 1);
    if (together) {
      expect(together.title).toMatch(/^2 independent causes \(/);
      expect(together.causes.map((c) => [c.node, c.errorCode]).sort()).toEqual([["payments", "INTERNAL.PANIC"], ["redis", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT"]]);
      for (const cause of together.causes) expect(cause.exemplarTraceIds.length).toBeGreaterThan(0);
      expect(together.rootCauses.slice(0, 2).map((c) => c.cause)).toEqual([1, 2]);
    }
    await db.close();
  });

  it("measures what the data says is a node: HotROD's client-span-only mysql gets twice as slow and is named first", async () => {
    const { db, faultStart } = await scenario(undefined, {
      rows: (start) => hotrodTraffic({ startSecond: start, seconds: 900, requestsPerSecond: 3, fromSecond: 600, toSecond: 780, mysqlFactor: 2 }),
    });
    const { versions } = await tick(db, faultStart - 30, faultStart + 120);
    const ids = incidentsIn(versions);
    expect(ids).toHaveLength(1);
    const incident = latest(versions, ids[0]!);
    expect(incident.rootCauses[0]).toMatchObject({ node: "mysql", nodeType: "service" });
    expect(incident.rootCauses[0]!.evidence.selfTimeMs).toBeGreaterThan(incident.rootCauses[0]!.evidence.baselineSelfTimeMs * 1.5);
    const edges = await db.query<{ Caller: string; Callee: string }>("SELECT DISTINCT Caller, Callee FROM {{db}}.braid_service_edges ORDER BY Caller, Callee");
    expect(edges).toEqual([
      { Caller: "customer", Callee: "mysql" },
      { Caller: "driver", Callee: "redis" },
      { Caller: "frontend", Callee: "customer" },
      { Caller: "frontend", Callee: "driver" },
    ]);
    await db.close();
  });

  it("names HotROD's redis for its plain 'redis timeout' errors on its own client spans", async () => {
    const { db, faultStart } = await scenario(undefined, {
      rows: (start) => hotrodTraffic({ startSecond: start, seconds: 900, requestsPerSecond: 3, fromSecond: 600, toSecond: 780, redisErrorEvery: 2 }),
    });
    const { versions } = await tick(db, faultStart - 30, faultStart + 120);
    const ids = incidentsIn(versions);
    expect(ids).toHaveLength(1);
    expect(latest(versions, ids[0]!).rootCauses[0]).toMatchObject({ node: "redis", nodeType: "service", errorCode: "DEADLINE_EXCEEDED", boundary: "own" });
    await db.close();
  });

  it("keeps the RED view's nodes the same as the correlator's node expressions", async () => {
    const { db } = await scenario({ node: "payments", kind: "unreached", errorCode: "UNAUTHENTICATED.TLS_CERT_EXPIRED" }, { clientSpans: true });
    await db.insert("otel_traces", hotrodTraffic({ startSecond: 1_800_000_000, seconds: 30, requestsPerSecond: 1, fromSecond: 0, toSecond: 0 }));
    const fromView = await db.query<{ Node: string; NodeType: string }>("SELECT DISTINCT Node, NodeType FROM {{db}}.braid_red_10s ORDER BY Node, NodeType");
    const fromSpans = await db.query<{ Node: string; NodeType: string }>(
      `SELECT DISTINCT if(IsCall AND Peer != '' AND Peer != ServiceName, Peer, ServiceName) AS Node, if(IsCall AND Peer != '' AND Peer != ServiceName, PeerType, 'service') AS NodeType
       FROM (SELECT ServiceName, SpanKind, ParentSpanId, ${isCallSql} AS IsCall, ${peerNameSql} AS Peer, ${calleeTypeSql} AS PeerType FROM {{db}}.otel_traces)
       WHERE IsCall OR SpanKind IN ('Server', 'Consumer') OR ParentSpanId = '' ORDER BY Node, NodeType`,
    );
    expect(fromView).toEqual(fromSpans);
    expect(fromView).toEqual(expect.arrayContaining([{ Node: "mysql", NodeType: "service" }, { Node: "postgres", NodeType: "database" }, { Node: "payments", NodeType: "peer" }, { Node: "0.0.0.0:8082", NodeType: "peer" }]));
    await db.close();
  });

  it("puts a new service.version shortly before the onset on the timeline and counts it toward the changed service", async () => {
    const { db, faultStart } = await scenario(
      { node: "payments", kind: "error", errorCode: "INTERNAL.PANIC", rate: 0.4 },
      { version: (service, second) => (service === "payments" && second >= 480 ? "1.4.3" : "1.4.2") },
    );
    const { versions, events } = await tick(db, faultStart - 30, faultStart + 120);
    const ids = incidentsIn(versions);
    expect(ids).toHaveLength(1);
    const incident = latest(versions, ids[0]!);
    expect(incident.changes).toEqual([expect.objectContaining({ node: "payments", kind: "version", what: "went from 1.4.2 to 1.4.3", at: faultStart - 120 })]);
    expect(incident.rootCauses[0]).toMatchObject({ node: "payments", errorCode: "INTERNAL.PANIC" });
    expect(incident.rootCauses[0]!.reason).toContain("payments went from 1.4.2 to 1.4.3 2 minutes before the errors began");
    const changeEvents = events.filter((e) => e.kind === "change");
    expect(changeEvents).toHaveLength(1);
    expect(changeEvents[0]).toMatchObject({ at: faultStart - 120, message: "payments went from 1.4.2 to 1.4.3" });
    await db.close();
  });
});
