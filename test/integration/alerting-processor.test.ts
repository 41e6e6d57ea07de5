// Alert evaluation against a real (embedded) store: spans of the shop go in as canonical rows,
// the series tables (view and recomputed rollups) fill, and ticks run at simulated times. The
// transitions are the exact ones Prometheus semantics give for the injected fault.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileRule, readLiveAlerts, runAlertTick, type LoadedRule } from "../../correlator/alerting/index.js";
import { AlertingSettings } from "../../schemas/alerting.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { tempDir } from "../support/env.js";
import { shopTraffic, type ShopFault } from "../support/rows.js";

const settings = AlertingSettings.parse({ intervalSeconds: 10, ingestLagSeconds: 0 });
const storage = tempDir("alerting-processor");
let store: Store;
let database = 0;

beforeAll(() => {
  store = new ChdbStore(storage.dir, "unused");
});
afterAll(async () => {
  await store.close();
  storage.cleanup();
});

const start = 1_800_000_000;

function rule(input: Record<string, unknown>): LoadedRule {
  const compiled = compileRule(input, "file", "rules.yaml");
  if (!compiled.rule) throw new Error(JSON.stringify(compiled.problems));
  return compiled.rule;
}

/** A database with 5 minutes of traffic, the fault (if any) from minute 2 to minute 3. */
async function scenario(fault?: Omit<ShopFault, "fromSecond" | "toSecond">): Promise<Store> {
  const db = new ChdbStore(storage.dir, `alerting_${++database}`);
  await migrate(db);
  const rows = shopTraffic({ startSecond: start, seconds: 300, requestsPerSecond: 5, fault: fault && { ...fault, fromSecond: 120, toSecond: 180 }, tenant: "acme" });
  for (let i = 0; i < rows.length; i += 20_000) await db.insert("otel_traces", rows.slice(i, i + 20_000));
  return db;
}

async function ticks(db: Store, rules: LoadedRule[], from: number, to: number) {
  const transitions = [];
  for (let at = from; at < to; at += 10) transitions.push(...(await runAlertTick(db, settings, rules, at)).transitions);
  return transitions;
}

const edgeRule = rule({ name: "payments-hop", kind: "latency", target: { edge: { caller: "checkout", callee: "payments" } }, quantile: "p99", threshold_ms: 200, window: "30s", for: "30s" });
const serviceRule = rule({ name: "payments-latency", kind: "latency", target: { service: "payments", operation: "POST /charge" }, quantile: "p95", threshold_ms: 200, window: "30s", for: "20s" });

describe("alert evaluation on the store", () => {
  it("takes the checkout → payments latency alert through pending, firing and resolved at the expected ticks", async () => {
    const db = await scenario({ node: "payments", kind: "latency", addedLatencyMs: 400 });
    // The fault covers [start+120, start+180). A tick at t reads buckets [t−30, t).
    const transitions = await ticks(db, [edgeRule, serviceRule], start + 60, start + 260);
    const of = (name: string) => transitions.filter((t) => t.ruleName === name).map((t) => [t.at - start, t.from, t.to]);
    expect(of("payments-hop")).toEqual([
      [130, "inactive", "pending"],
      [160, "pending", "firing"],
      // p99 stays above 200 ms while one slow request in 100 is in the window: until [t−30, t) has none.
      [210, "firing", "resolved"],
    ]);
    expect(of("payments-latency")).toEqual([
      [130, "inactive", "pending"],
      [150, "pending", "firing"],
      [210, "firing", "resolved"],
    ]);
    const firing = transitions.find((t) => t.ruleName === "payments-hop" && t.to === "firing")!;
    expect(firing.value).toBeGreaterThan(400);
    expect(firing.value).toBeLessThan(460);
    expect(firing.labels).toMatchObject({ alertname: "payments-hop", caller: "checkout", callee: "payments", tenant: "acme" });
    const stored = await readLiveAlerts(db, start + 260);
    expect(stored.find((a) => a.ruleName === "payments-hop")).toMatchObject({ state: "resolved", activeAt: start + 130, firedAt: start + 160, resolvedAt: start + 210 });
  });

  it("fires nothing on fault-free traffic", async () => {
    const db = await scenario();
    expect(await ticks(db, [edgeRule, serviceRule], start + 60, start + 260)).toEqual([]);
  });

  it("evaluates a tick once: running the same time again (another evaluator, a retry) is skipped", async () => {
    const db = await scenario({ node: "payments", kind: "latency", addedLatencyMs: 400 });
    const first = await runAlertTick(db, settings, [edgeRule], start + 130);
    expect(first.transitions.map((t) => t.to)).toEqual(["pending"]);
    const again = await runAlertTick(db, settings, [edgeRule], start + 130);
    expect(again.skipped).toBe(true);
    // Even past the tick marker (a crash after the state was written), instances are not stepped twice.
    const forced = await runAlertTick(db, settings, [edgeRule], start + 130, { force: true });
    expect(forced.transitions).toEqual([]);
    const [count] = await db.query<{ n: string }>("SELECT count() AS n FROM {{db}}.braid_alert_transitions FINAL");
    expect(Number(count!.n)).toBe(1);
  });

  it("computes SLO burn rates from stored series: errors in payments burn the availability budget", async () => {
    const db = await scenario({ node: "payments", kind: "error", errorCode: "INTERNAL.PANIC" });
    const slo = rule({ name: "payments-availability", kind: "slo", target: { service: "payments" }, objective: 99, period: "1h", burn_rates: [{ severity: "page", long: "1m", short: "20s", factor: 10 }] });
    const result = await runAlertTick(db, settings, [slo], start + 170);
    // 1 minute before start+170: 60 s of which 50 s faulted (all charges fail) → 250/300 bad → 83.3% / 1% = 83.33.
    const [status] = result.slos;
    expect(status!.burnRates[0]).toMatchObject({ longBurnRate: 83.333333, shortBurnRate: 100, firing: true });
    expect(status!.totalRequests).toBe(5 * 170);
    expect(status!.badRequests).toBe(250);
    expect(result.transitions.map((t) => [t.to, t.labels.severity, t.labels.long])).toEqual([["firing", "page", "1m"]]);
  });

  it("reads windows longer than six hours from hourly sums of final hours, and the rest from 10-second buckets", async () => {
    const db = new ChdbStore(storage.dir, `alerting_${++database}`);
    await migrate(db);
    // 65 minutes of traffic at 2 requests/s, crossing the hour at `start`.
    const rows = shopTraffic({ startSecond: start - 3600, seconds: 3900, requestsPerSecond: 2, tenant: "acme" });
    for (let i = 0; i < rows.length; i += 20_000) await db.insert("otel_traces", rows.slice(i, i + 20_000));
    const slo = rule({ name: "payments-day", kind: "slo", target: { service: "payments" }, objective: 99.9, period: "1d", burn_rates: [{ severity: "ticket", long: "12h", short: "1h", factor: 1 }] });
    const at = start + 300;
    const result = await runAlertTick(db, settings, [slo], at);
    const [hours] = await db.query<{ n: string }>("SELECT count() AS n FROM {{db}}.braid_alert_series_1h FINAL WHERE Hour = toDateTime({h:UInt32})", { h: start - 3600 });
    expect(Number(hours!.n)).toBeGreaterThan(0);
    // Every payments request of [start − 1 h, start + 300 s): the hour from the hourly sums, the rest from buckets.
    expect(result.slos[0]).toMatchObject({ totalRequests: 3900 * 2, badRequests: 0, budgetRemaining: 1 });
    expect(result.slos[0]!.burnRates[0]).toMatchObject({ longBurnRate: 0, shortBurnRate: 0 });
  });
});
