import { describe, expect, it } from "vitest";
import { evaluateRules, instanceKey, seriesRequestKey, seriesRequests } from "./evaluate.js";
import { addBucket, type Histogram } from "./histogram.js";
import { compileRule } from "./rule-files.js";
import type { AlertInstance, AlertTransition, LoadedRule, SeriesRow, SeriesSnapshot } from "./types.js";

const defaults = { serverMetrics: ["http.server.request.duration"], clientMetrics: ["http.client.request.duration"] };

function rule(input: Record<string, unknown>): LoadedRule {
  const compiled = compileRule(input, "file", "test.yaml");
  if (!compiled.rule) throw new Error(JSON.stringify(compiled.problems));
  return compiled.rule;
}

/** A histogram where `slow` of `calls` requests took `slowMs` and the rest `fastMs` (explicit buckets). */
function latencies(calls: number, slow: number, fastMs = 20, slowMs = 450): Histogram {
  const h: Histogram = new Map();
  const bucket = (ms: number): [number, number] => (ms <= 25 ? [0, 25] : ms <= 100 ? [25, 100] : ms <= 250 ? [100, 250] : ms <= 500 ? [250, 500] : [500, Infinity]);
  addBucket(h, ...bucket(fastMs), calls - slow);
  addBucket(h, ...bucket(slowMs), slow);
  return h;
}

function row(partial: Partial<SeriesRow>): SeriesRow {
  return { tenant: "acme", service: "", operation: "", caller: "", callee: "", resource: { "deployment.environment.name": "prod" }, calls: 0, errors: 0, histogram: new Map(), ...partial };
}

/** Runs ticks in order, feeding each tick's state into the next, and collects transitions. */
function run(rules: LoadedRule[], ticks: { at: number; rows: SeriesRow[] | ((windowSeconds: number) => SeriesRow[]) }[]) {
  let state = new Map<string, AlertInstance>();
  const transitions: AlertTransition[] = [];
  const results = [];
  for (const tick of ticks) {
    const series: SeriesSnapshot = new Map();
    for (const request of seriesRequests(rules, defaults)) series.set(seriesRequestKey(request), typeof tick.rows === "function" ? tick.rows(request.windowSeconds) : tick.rows);
    const result = evaluateRules({ rules, series, previous: state, at: tick.at, defaults });
    const next = new Map(state);
    for (const instance of result.instances) next.set(instanceKey(instance.ruleId, instance.fingerprint), instance);
    state = next;
    transitions.push(...result.transitions);
    results.push(result);
  }
  return { state, transitions, results };
}

const edgeLatency = rule({
  name: "checkout-payments-latency",
  kind: "latency",
  target: { edge: { caller: "checkout", callee: "payments" } },
  quantile: "p99",
  threshold_ms: 200,
  window: "1m",
  for: "30s",
  severity: "page",
  labels: { team: "payments" },
  annotations: { summary: "p99 {{ $labels.caller }} → {{ $labels.callee }} is {{ printf \"%.0f\" $value }}ms" },
});

const edgeRows = (slow: number) => [row({ caller: "checkout", callee: "payments", calls: 100, histogram: latencies(100, slow) }), row({ caller: "checkout", callee: "inventory", calls: 100, histogram: latencies(100, 50) })];

describe("latency objective on an edge", () => {
  it("goes inactive → pending at the first breach, firing once `for` has held, resolved when it clears", () => {
    const { transitions, state } = run([edgeLatency], [
      { at: 1000, rows: edgeRows(0) },
      { at: 1010, rows: edgeRows(5) },
      { at: 1020, rows: edgeRows(5) },
      { at: 1030, rows: edgeRows(5) },
      { at: 1040, rows: edgeRows(5) },
      { at: 1050, rows: edgeRows(0) },
    ]);
    expect(transitions.map((t) => [t.at, t.from, t.to])).toEqual([
      [1010, "inactive", "pending"],
      [1040, "pending", "firing"],
      [1050, "firing", "resolved"],
    ]);
    // p99 with 5 of 100 requests in (250, 500]: rank 99 lands 4/5 into that bucket.
    expect(transitions[0]!.value).toBe(450);
    expect(transitions[2]!.value).toBeCloseTo(24.75, 6);
    const [alert] = [...state.values()];
    expect(alert).toMatchObject({ state: "resolved", activeAt: 1010, firedAt: 1040, resolvedAt: 1050, services: ["checkout", "payments"] });
    expect(alert!.labels).toEqual({ alertname: "checkout-payments-latency", callee: "payments", caller: "checkout", severity: "page", team: "payments", tenant: "acme" });
  });

  it("does not alert on the inventory edge the rule does not target, nor below the threshold", () => {
    const { transitions } = run([edgeLatency], [{ at: 1000, rows: [row({ caller: "checkout", callee: "inventory", calls: 100, histogram: latencies(100, 90) })] }, { at: 1010, rows: edgeRows(0) }]);
    expect(transitions).toEqual([]);
  });

  it("returns to inactive when the breach ends before `for`, recording the change", () => {
    const { transitions } = run([edgeLatency], [
      { at: 1000, rows: edgeRows(5) },
      { at: 1010, rows: edgeRows(5) },
      { at: 1020, rows: edgeRows(0) },
    ]);
    expect(transitions.map((t) => [t.at, t.from, t.to])).toEqual([
      [1000, "inactive", "pending"],
      [1020, "pending", "inactive"],
    ]);
  });

  it("keeps firing for keep_firing_for after the condition last held, counted from the first quiet evaluation", () => {
    const sticky = rule({ ...edgeLatency.rule, for: 0, keep_firing_for: "20s", annotations: {}, labels: {} });
    const { transitions } = run([sticky], [
      { at: 1000, rows: edgeRows(5) },
      { at: 1010, rows: edgeRows(0) },
      { at: 1020, rows: edgeRows(0) },
      { at: 1030, rows: edgeRows(0) },
    ]);
    expect(transitions.map((t) => [t.at, t.from, t.to])).toEqual([
      [1000, "inactive", "firing"],
      [1030, "firing", "resolved"],
    ]);
  });

  it("resolves when the series disappears (no data is not a breach)", () => {
    const { transitions } = run([rule({ ...edgeLatency.rule, for: 0, annotations: {}, labels: {} })], [
      { at: 1000, rows: edgeRows(5) },
      { at: 1010, rows: [] },
    ]);
    expect(transitions.map((t) => [t.at, t.to, t.value])).toEqual([
      [1000, "firing", 450],
      [1010, "resolved", null],
    ]);
  });

  it("changes nothing when the same time is evaluated twice (a retried or duplicated tick)", () => {
    const { state } = run([edgeLatency], [{ at: 1000, rows: edgeRows(5) }]);
    const series: SeriesSnapshot = new Map(seriesRequests([edgeLatency], defaults).map((r) => [seriesRequestKey(r), edgeRows(0)]));
    const again = evaluateRules({ rules: [edgeLatency], series, previous: state, at: 1000, defaults });
    expect(again.instances).toEqual([]);
    expect(again.transitions).toEqual([]);
  });

  it("renders labels and annotations from the value and labels", () => {
    const { state } = run([edgeLatency], [{ at: 1000, rows: edgeRows(5) }]);
    expect([...state.values()][0]!.annotations).toEqual({ summary: "p99 checkout → payments is 450ms" });
  });
});

describe("error-rate objective with group_by and resource filters", () => {
  const perOperation = rule({
    name: "checkout-errors",
    kind: "error_rate",
    target: { service: "checkout" },
    group_by: ["operation"],
    resource: { "deployment.environment.name": "prod" },
    threshold: 0.05,
    window: "5m",
    min_requests: 20,
  });

  it("gives one alert per operation, ignores other environments and windows with too few requests", () => {
    const rows = [
      row({ service: "checkout", operation: "POST /checkout", calls: 200, errors: 30 }),
      row({ service: "checkout", operation: "GET /cart", calls: 200, errors: 2 }),
      row({ service: "checkout", operation: "POST /checkout", calls: 500, errors: 500, resource: { "deployment.environment.name": "staging" } }),
      row({ service: "checkout", operation: "GET /quiet", calls: 10, errors: 10 }),
    ];
    const { transitions, state } = run([perOperation], [{ at: 2000, rows }]);
    expect(transitions.map((t) => [t.labels.operation, t.to, t.value])).toEqual([["POST /checkout", "firing", 0.15]]);
    const alert = [...state.values()][0]!;
    expect(alert.annotations.summary).toBe("error rate of checkout POST /checkout is 15% (threshold 5% over 5m)");
  });

  it("evaluates a rule without tenant once per tenant, never mixing their requests", () => {
    const rows = [
      row({ tenant: "acme", service: "checkout", operation: "POST /checkout", calls: 100, errors: 10 }),
      row({ tenant: "globex", service: "checkout", operation: "POST /checkout", calls: 100, errors: 1 }),
    ];
    const { transitions } = run([perOperation], [{ at: 2000, rows }]);
    expect(transitions.map((t) => t.labels.tenant)).toEqual(["acme"]);
    const scoped = rule({ ...perOperation.rule, name: "globex-only", tenant: "globex", threshold: 0.005 });
    expect(run([scoped], [{ at: 2000, rows }]).transitions.map((t) => t.labels.tenant)).toEqual(["globex"]);
  });
});

describe("SLO burn rates (Google SRE workbook multiwindow, multi-burn-rate)", () => {
  const availability = rule({ name: "checkout-availability", kind: "slo", target: { service: "checkout" }, objective: 99.9, period: "30d" });
  // Per window: [calls, errors]. Hand-computed: burn = (errors / calls) / 0.001.
  const windows: Record<number, [number, number]> = {
    300: [1000, 20], // 2%    → 20
    3600: [12000, 180], // 1.5% → 15   (page 1h&5m @14.4: both above → fires)
    1800: [6000, 30], // 0.5%  → 5
    21600: [72000, 360], // 0.5% → 5    (page 6h&30m @6: below → quiet)
    259200: [864000, 864], // 0.1% → 1  (ticket 3d&6h @1: 1 is not above 1 → quiet)
    2592000: [1_000_000, 500], // 0.05% → 0.5: half the budget left
  };
  const rows = (w: number) => [row({ service: "checkout", calls: windows[w]![0], errors: windows[w]![1] })];

  it("fires the 1h/5m page alert only, with the burn rates and budget computed by hand", () => {
    const { transitions, results } = run([availability], [{ at: 5000, rows }]);
    expect(transitions.map((t) => [t.labels.long, t.labels.short, t.labels.severity, t.to, t.value])).toEqual([["1h", "5m", "page", "firing", 15]]);
    const [slo] = results[0]!.slos;
    expect(slo).toMatchObject({ objective: 99.9, periodSeconds: 2592000, sliNow: 0.98, sliPeriod: 0.9995, budgetRemaining: 0.5, totalRequests: 1_000_000, badRequests: 500 });
    expect(slo!.burnRates).toEqual([
      { severity: "page", longSeconds: 3600, shortSeconds: 300, factor: 14.4, longBurnRate: 15, shortBurnRate: 20, firing: true },
      { severity: "page", longSeconds: 21600, shortSeconds: 1800, factor: 6, longBurnRate: 5, shortBurnRate: 5, firing: false },
      { severity: "ticket", longSeconds: 259200, shortSeconds: 21600, factor: 1, longBurnRate: 1, shortBurnRate: 5, firing: false },
    ]);
  });

  it("needs both windows to burn: a short spike alone does not page", () => {
    const spike = (w: number) => [row({ service: "checkout", calls: 1000, errors: w === 300 ? 100 : 1 })];
    expect(run([availability], [{ at: 5000, rows: spike }]).transitions).toEqual([]);
  });

  it("counts requests slower than the threshold as bad for a latency SLI (interpolated in the bucket the threshold cuts)", () => {
    const latencySlo = rule({ name: "checkout-latency-slo", kind: "slo", target: { service: "checkout" }, objective: 99, sli: { type: "latency", threshold_ms: 300 }, period: "7d", burn_rates: [{ severity: "page", long: "1h", short: "5m", factor: 2 }] });
    // 900 in (0, 25], 50 in (100, 250], 50 in (250, 500]: 50·(300−250)/250 = 10 of the last are good → 40 bad of 1000 → 4% / 1% = 4.
    const h: Histogram = new Map();
    addBucket(h, 0, 25, 900);
    addBucket(h, 100, 250, 50);
    addBucket(h, 250, 500, 50);
    const { transitions, results } = run([latencySlo], [{ at: 5000, rows: [row({ service: "checkout", calls: 1000, histogram: h })] }]);
    expect(transitions.map((t) => [t.to, t.value])).toEqual([["firing", 4]]);
    expect(results[0]!.slos[0]).toMatchObject({ sliPeriod: 0.96, budgetRemaining: -3 });
  });
});
