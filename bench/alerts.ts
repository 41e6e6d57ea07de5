// Benchmark of alert evaluation: one tick of 1,000 rules (latency and error-rate objectives on
// services, operations and edges, and SLOs with the three default burn-rate pairs) over the series
// of 100 services × 5 operations and 200 edges, in embedded chDB (one rule in 20 fires). Figures against floors measured
// in the same run: reading the series the rules need (the SQL a tick cannot avoid) and, for the
// pure evaluator, one plain pass that sums each rule's matching series. Prints; asserts nothing.
// Run: npm run bench:alerts [-- rules]
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileRule, evaluateRules, SeriesIndex, readSnapshot, ruleFamily, ruleWindows, runAlertTick, seriesRequestKey, seriesRequests, type LoadedRule } from "../correlator/alerting/index.js";
import { AlertingSettings } from "../schemas/alerting.js";
import { ChdbStore, migrate } from "../store/index.js";

const ruleCount = Number(process.argv[2] ?? 1000);
const services = 100;
const operationsPerService = 5;
const edges = 200;
const settings = AlertingSettings.parse({ ingestLagSeconds: 0 });
const now = Math.floor(Date.now() / 1000 / 10) * 10;
const historySeconds = 2 * 3600;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (v: number) => `${v.toFixed(1)} ms`;

function latencyMap(slow: number, calls: number): Record<string, number> {
  // Span log buckets: ~10 ms for most, ~450 ms for `slow` of them.
  return { s27: calls - slow - 3, s30: 3, s71: slow };
}

async function seed(store: ChdbStore): Promise<number> {
  const resource = { "deployment.environment.name": "prod", "service.namespace": "shop" };
  const spanRows: object[] = [];
  const edgeRows: object[] = [];
  for (let bucket = now - historySeconds; bucket < now; bucket += 10) {
    for (let s = 0; s < services; s++) {
      for (let o = 0; o < operationsPerService; o++) {
        const calls = 20 + ((s * 7 + o * 3 + bucket / 10) % 13);
        const slow = (s + o + bucket / 10) % 17 === 0 ? 2 : 0;
        spanRows.push({ Tenant: `tenant${s % 4}`, ServiceName: `svc${s}`, Operation: `GET /op${o}`, ResourceHash: 1, Resource: resource, Bucket: bucket, Calls: calls, Errors: (s + bucket / 10) % 23 === 0 ? 2 : 0, Latency: latencyMap(slow, calls) });
      }
    }
    for (let e = 0; e < edges; e++) {
      const calls = 30 + (e % 11);
      edgeRows.push({ Family: "edge", Source: "spans", Metric: "", Tenant: `tenant${e % 4}`, Service: "", Operation: "", Caller: `svc${e % services}`, Callee: `svc${(e * 7 + 1) % services}`, ResourceHash: 1, Resource: resource, Bucket: bucket, Calls: calls, Errors: e % 19 === 0 ? 1 : 0, Latency: latencyMap(e % 29 === 0 ? 3 : 0, calls) });
    }
  }
  for (let i = 0; i < spanRows.length; i += 100_000) await store.insert("braid_alert_spans_10s", spanRows.slice(i, i + 100_000));
  for (let i = 0; i < edgeRows.length; i += 100_000) await store.insert("braid_alert_rollup_10s", edgeRows.slice(i, i + 100_000));
  return spanRows.length + edgeRows.length;
}

function makeRules(count: number): LoadedRule[] {
  const rules: LoadedRule[] = [];
  for (let i = 0; i < count; i++) {
    const service = `svc${i % services}`;
    const kind = i % 10;
    let input: Record<string, unknown>;
    if (kind < 4) input = { name: `lat-${i}`, kind: "latency", target: { service, operation: `GET /op${i % operationsPerService}` }, quantile: ["p50", "p90", "p95", "p99"][i % 4], threshold_ms: i % 20 === 0 ? 5 : 200, window: ["1m", "5m"][i % 2], for: "1m" };
    else if (kind < 7) input = { name: `err-${i}`, kind: "error_rate", target: { service }, group_by: i % 2 ? ["operation"] : [], threshold: 0.05, window: "5m", resource: { "deployment.environment.name": "prod" } };
    else if (kind < 9) input = { name: `edge-${i}`, kind: "latency", target: { edge: { caller: service } }, group_by: ["callee"], threshold_ms: 300, window: "1m" };
    else input = { name: `slo-${i}`, kind: "slo", target: { service }, objective: 99.9, period: "1d", burn_rates: [{ severity: "page", long: "1h", short: "5m", factor: 14.4 }, { severity: "page", long: "6h", short: "30m", factor: 6 }] };
    const compiled = compileRule(input, "file", "bench.yaml");
    if (!compiled.rule) throw new Error(JSON.stringify(compiled.problems));
    rules.push(compiled.rule);
  }
  return rules;
}

const dir = mkdtempSync(path.join(os.tmpdir(), "braid-bench-alerts-"));
const store = new ChdbStore(dir, "bench_alerts");
try {
  await migrate(store);
  const seeded = await seed(store);
  const rules = makeRules(ruleCount);
  console.log(`${rules.length} rules; ${seeded} series rows (${services} services × ${operationsPerService} operations and ${edges} edges, 10 s buckets over ${historySeconds / 3600} h); ${os.cpus().length} cores`);

  // Floor 1: reading the series the rules need, and nothing else.
  const reads: number[] = [];
  let snapshot = await readSnapshot(store, rules, settings, now);
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    snapshot = await readSnapshot(store, rules, settings, now);
    reads.push(performance.now() - t);
  }
  const requests = seriesRequests(rules, settings);
  const rows = [...snapshot.values()].reduce((n, r) => n + r.length, 0);

  // Floor 2: the least a rule needs, one pass over the rows of its windows (through the same
  // index) adding up their requests.
  const passes: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    const index = new SeriesIndex(snapshot);
    let sink = 0;
    for (const { rule } of rules) {
      for (const windowSeconds of ruleWindows(rule)) {
        const key = seriesRequestKey({ family: ruleFamily(rule), source: rule.source, metrics: [], windowSeconds });
        for (const row of index.rowsFor(rule, key) ?? []) sink += row.calls;
      }
    }
    passes.push(performance.now() - t);
    if (sink < 0) console.log(sink);
  }

  // The pure evaluator on the same snapshot.
  const evaluations: number[] = [];
  let instances = 0;
  // Warm-up: the evaluator runs every interval in a long-lived process, so it is timed warm.
  for (let i = 0; i < 10; i++) evaluateRules({ rules, series: snapshot, previous: new Map(), at: now, defaults: settings });
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const result = evaluateRules({ rules, series: snapshot, previous: new Map(), at: now, defaults: settings });
    evaluations.push(performance.now() - t);
    instances = result.instances.length;
  }

  // Whole ticks (rollups, series, evaluation, state writes), each at a new time.
  const ticks: number[] = [];
  const parts: { rollupMs: number; seriesMs: number; evaluateMs: number; writeMs: number }[] = [];
  // A first tick sums the seeded history into hourly rows (once, as after an upgrade); not timed.
  await runAlertTick(store, settings, rules, now - settings.intervalSeconds);
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const result = await runAlertTick(store, settings, rules, now + i * settings.intervalSeconds);
    ticks.push(performance.now() - t);
    parts.push(result.timings);
  }

  const read = median(reads);
  const pass = median(passes);
  const evaluate = median(evaluations);
  const tick = median(ticks);
  console.log(`series read (floor):       ${ms(read)}  (${requests.length} queries, ${rows} merged series rows)`);
  console.log(`plain pass (floor):        ${ms(pass)}`);
  console.log(`pure evaluation:           ${ms(evaluate)}  = ${(evaluate / pass).toFixed(1)}× the plain pass; ${((evaluate * 1000) / rules.length).toFixed(1)} µs per rule; ${instances} alert instances`);
  console.log(`whole tick:                ${ms(tick)}  = ${(tick / read).toFixed(2)}× the series read; rollups ${ms(median(parts.map((p) => p.rollupMs)))}, series ${ms(median(parts.map((p) => p.seriesMs)))}, evaluate ${ms(median(parts.map((p) => p.evaluateMs)))}, writes ${ms(median(parts.map((p) => p.writeMs)))}`);
  console.log(`headroom:                  a tick takes ${((tick / (settings.intervalSeconds * 1000)) * 100).toFixed(1)}% of the ${settings.intervalSeconds} s evaluation interval`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
