// RED from OTLP histograms: cumulative http.server.request.duration and http.client.request.duration
// streams (points every 5 s, as the shop's SDKs export them) are rolled up into per-interval
// increments, resets included, and a latency rule on them gives the same alert as the same rule on
// the spans of the same traffic (metrics lag by up to one export interval).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileRule, readSeries, refreshRollups, runAlertTick, spanBucketIndex, type LoadedRule } from "../../correlator/alerting/index.js";
import { AlertingSettings } from "../../schemas/alerting.js";
import type { HistogramRow } from "../../schemas/rows.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { tempDir } from "../support/env.js";
import { shopTraffic } from "../support/rows.js";

const settings = AlertingSettings.parse({ intervalSeconds: 10, ingestLagSeconds: 0 });
const storage = tempDir("alerting-metrics");
const start = 1_800_000_000;
const bounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
let store: Store;

const nanos = (seconds: number) => `${BigInt(seconds) * 1_000_000_000n}`;

function point(fields: { service: string; metric: string; attributes: Record<string, string>; startTime: number; time: number; counts: number[] }): HistogramRow {
  const count = fields.counts.reduce((a, b) => a + b, 0);
  return {
    ResourceAttributes: { "service.name": fields.service, "deployment.environment.name": "demo", "service.instance.id": "i-1" }, ResourceSchemaUrl: "", ScopeName: "otelhttp", ScopeVersion: "", ScopeAttributes: {},
    ScopeDroppedAttrCount: 0, ScopeSchemaUrl: "", ServiceName: fields.service, MetricName: fields.metric, MetricDescription: "", MetricUnit: "s", Attributes: fields.attributes,
    StartTimeUnix: nanos(fields.startTime), TimeUnix: nanos(fields.time), Flags: 0, "Exemplars.FilteredAttributes": [], "Exemplars.TimeUnix": [], "Exemplars.Value": [], "Exemplars.SpanId": [], "Exemplars.TraceId": [],
    Count: String(count), Sum: 0, BucketCounts: fields.counts.map(String), ExplicitBounds: bounds, Min: 0, Max: 0, AggregationTemporality: 2, SourceLanguage: "rust", Tenant: "acme", IngestedAt: "2026-01-01T00:00:00.000Z",
  };
}

const bucketOf = (seconds: number) => bounds.findIndex((b) => seconds <= b);

/**
 * Cumulative streams for 300 s of 5 requests/s: payments serves POST /charge in 7 ms, 405 ms
 * while the fault lasts ([120, 180)); its process restarts at 200 (new start time, counts from 0).
 * A 500-stream of payments that began long before Braid saw it must not count its history.
 */
function metricPoints(): HistogramRow[] {
  const rows: HistogramRow[] = [];
  const server = { "http.request.method": "POST", "http.route": "/charge", "http.response.status_code": "200" };
  const client = { "http.request.method": "POST", "http.response.status_code": "200", "peer.service": "payments", "server.address": "127.0.0.1" };
  let serverCounts = new Array(bounds.length + 1).fill(0) as number[];
  let clientCounts = [...serverCounts];
  let startTime = start - 5;
  for (let t = start; t < start + 300; t += 5) {
    if (t - start === 200) {
      startTime = t - 2;
      serverCounts = serverCounts.map(() => 0);
    }
    const slow = t - start > 120 && t - start <= 180; // the point at t covers (t − 5, t]
    serverCounts[bucketOf(slow ? 0.405 : 0.007)]! += 25;
    clientCounts[bucketOf(slow ? 0.408 : 0.01)]! += 25;
    rows.push(point({ service: "payments", metric: "http.server.request.duration", attributes: server, startTime, time: t, counts: serverCounts }));
    rows.push(point({ service: "checkout", metric: "http.client.request.duration", attributes: client, startTime: start - 5, time: t, counts: clientCounts }));
    const old = new Array(bounds.length + 1).fill(0) as number[];
    old[2] = 1_000_000 + (t - start);
    rows.push(point({ service: "payments", metric: "http.server.request.duration", attributes: { ...server, "http.response.status_code": "500", "error.type": "500" }, startTime: start - 86_400, time: t, counts: old }));
  }
  return rows;
}

beforeAll(async () => {
  store = new ChdbStore(storage.dir, "alerting_metrics");
  await migrate(store);
  await store.insert("otel_metrics_histogram", metricPoints());
  const spans = shopTraffic({ startSecond: start, seconds: 300, requestsPerSecond: 5, fault: { node: "payments", kind: "latency", addedLatencyMs: 400, fromSecond: 120, toSecond: 180 }, tenant: "acme" });
  for (let i = 0; i < spans.length; i += 20_000) await store.insert("otel_traces", spans.slice(i, i + 20_000));
});
afterAll(async () => {
  await store.close();
  storage.cleanup();
});

function rule(input: Record<string, unknown>): LoadedRule {
  const compiled = compileRule(input, "file", "rules.yaml");
  if (!compiled.rule) throw new Error(JSON.stringify(compiled.problems));
  return compiled.rule;
}

describe("RED from OTLP histograms", () => {
  it("rolls cumulative points up into increments: a reset counts from zero, a stream's old history not at all", async () => {
    for (let to = start + 120; to <= start + 300; to += 60) await refreshRollups(store, to, { serverMetrics: settings.serverMetrics, clientMetrics: settings.clientMetrics, hours: false });
    const [payments] = await readSeries(store, { family: "service", source: "metrics", metrics: ["http.server.request.duration"], windowSeconds: 280 }, start + 290);
    // Points in [start+10, start+290): 56 points × 25 requests; the 500-stream adds 5 per point (its first point, at start, is its baseline).
    expect(payments).toMatchObject({ tenant: "acme", service: "payments", operation: "POST /charge", resource: { "deployment.environment.name": "demo" } });
    expect(payments!.calls).toBe(56 * 25 + 56 * 5);
    expect(payments!.errors).toBe(56 * 5);
    const [edge] = await readSeries(store, { family: "edge", source: "metrics", metrics: ["http.client.request.duration"], windowSeconds: 280 }, start + 290);
    expect(edge).toMatchObject({ caller: "checkout", callee: "payments", calls: 56 * 25, errors: 0 });
  });

  it("fires and resolves the same alerts from metrics as from spans", async () => {
    const common = { kind: "latency", quantile: "p95", threshold_ms: 200, window: "30s", for: "20s" };
    const rules = [
      rule({ ...common, name: "spans-service", target: { service: "payments", operation: "POST /charge" } }),
      rule({ ...common, name: "metrics-service", source: "metrics", target: { service: "payments", operation: "POST /charge" } }),
      rule({ ...common, name: "spans-edge", target: { edge: { caller: "checkout", callee: "payments" } } }),
      rule({ ...common, name: "metrics-edge", source: "metrics", target: { edge: { caller: "checkout", callee: "payments" } } }),
    ];
    const transitions: Awaited<ReturnType<typeof runAlertTick>>["transitions"] = [];
    for (let at = start + 60; at < start + 260; at += 10) transitions.push(...(await runAlertTick(store, settings, rules, at)).transitions);
    const of = (name: string) => transitions.filter((t) => t.ruleName === name).map((t) => [t.at - start, t.to]);
    expect(of("spans-service")).toEqual([[130, "pending"], [150, "firing"], [210, "resolved"]]);
    expect(of("spans-edge")).toEqual([[130, "pending"], [150, "firing"], [210, "resolved"]]);
    // The point at 180 carries requests of (175, 180]: one bucket later than the spans.
    expect(of("metrics-service")).toEqual([[130, "pending"], [150, "firing"], [220, "resolved"]]);
    expect(of("metrics-edge")).toEqual([[130, "pending"], [150, "firing"], [220, "resolved"]]);
    const value = (name: string) => transitions.find((t) => t.ruleName === name && t.to === "firing")!.value!;
    // Spans: log buckets ≈4.5% wide; metrics: the (250, 500] ms bucket, interpolated.
    expect(value("spans-service")).toBeGreaterThan(380);
    expect(value("spans-service")).toBeLessThan(430);
    expect(value("metrics-service")).toBeGreaterThan(250);
    expect(value("metrics-service")).toBeLessThanOrEqual(500);
    expect(spanBucketIndex(405)).toBeGreaterThan(0);
  });

  it("holds back an increment over missing exports until they arrive, instead of putting a slow spell in a later bucket", async () => {
    // ledger serves 25 requests per 5-s export, 405 ms in (t0, t0 + 40], 7 ms after. The exports of
    // (t0 + 25, t0 + 65] are stored late (another partition): the export at t0 + 70 is the first
    // stored after t0 + 25, and its increment over the gap holds the end of the slow spell.
    const t0 = start + 400;
    const attributes = { "http.request.method": "POST", "http.route": "/post", "http.response.status_code": "200" };
    const points: HistogramRow[] = [];
    const counts = new Array(bounds.length + 1).fill(0) as number[];
    for (let t = t0; t <= t0 + 100; t += 5) {
      if (t > t0) counts[bucketOf(t <= t0 + 40 ? 0.405 : 0.007)]! += 25;
      points.push(point({ service: "ledger", metric: "http.server.request.duration", attributes, startTime: t0 - 3, time: t, counts: [...counts] }));
    }
    const late = (row: HistogramRow) => Number(BigInt(row.TimeUnix) / 1_000_000_000n) - t0 > 25 && Number(BigInt(row.TimeUnix) / 1_000_000_000n) - t0 <= 65;
    const options = { serverMetrics: settings.serverMetrics, clientMetrics: settings.clientMetrics, hours: false };
    const ledger = async () =>
      (await readSeries(store, { family: "service", source: "metrics", metrics: ["http.server.request.duration"], windowSeconds: 40 }, t0 + 100)).find((row) => row.service === "ledger");

    await store.insert("otel_metrics_histogram", points.filter((row) => !late(row)));
    await refreshRollups(store, t0 + 100, options);
    // [t0 + 60, t0 + 100): the exports at 75 … 95 count (5 × 25, all fast); the one at 70 waits.
    const before = await ledger();
    expect(before!.calls).toBe(5 * 25);
    expect([...before!.histogram.values()].filter((b) => b.lo >= 250).reduce((n, b) => n + b.count, 0)).toBe(0);

    await store.insert("otel_metrics_histogram", points.filter(late));
    await refreshRollups(store, t0 + 100, options);
    // Now every export of [t0 + 60, t0 + 100) counts, each with its own interval: 8 × 25, all fast.
    const after = await ledger();
    expect(after!.calls).toBe(8 * 25);
    expect([...after!.histogram.values()].filter((b) => b.lo >= 250).reduce((n, b) => n + b.count, 0)).toBe(0);
  });

  it("takes a shutdown flush in the same second as the last periodic export for what it is, not a reset", async () => {
    // The exporter's layout keeps TimeUnix in whole seconds. audit was slow in (t1, t1 + 10]; its
    // last periodic export (t1 + 30) and its shutdown flush (2 requests more) share a second, and
    // the flush is stored first. Taken in the wrong order the periodic export looks like a reset,
    // and its whole history, the slow spell included, would count in the last bucket.
    const t1 = start + 600;
    const attributes = { "http.request.method": "GET", "http.route": "/audit", "http.response.status_code": "200" };
    const counts = new Array(bounds.length + 1).fill(0) as number[];
    const periodic: HistogramRow[] = [];
    for (let t = t1; t <= t1 + 30; t += 5) {
      if (t > t1) counts[bucketOf(t <= t1 + 10 ? 0.405 : 0.007)]! += 25;
      periodic.push(point({ service: "audit", metric: "http.server.request.duration", attributes, startTime: t1 - 3, time: t, counts: [...counts] }));
    }
    counts[bucketOf(0.007)]! += 2;
    await store.insert("otel_metrics_histogram", [point({ service: "audit", metric: "http.server.request.duration", attributes, startTime: t1 - 3, time: t1 + 30, counts: [...counts] })]);
    await store.insert("otel_metrics_histogram", periodic);
    await refreshRollups(store, t1 + 40, { serverMetrics: settings.serverMetrics, clientMetrics: settings.clientMetrics, hours: false });
    const [audit] = (await readSeries(store, { family: "service", source: "metrics", metrics: ["http.server.request.duration"], windowSeconds: 20 }, t1 + 40)).filter((row) => row.service === "audit");
    // [t1 + 20, t1 + 40): the exports at 20, 25 and 30 (25 each) and the flush (2), all fast.
    expect(audit!.calls).toBe(3 * 25 + 2);
    expect([...audit!.histogram.values()].filter((b) => b.lo >= 250).reduce((n, b) => n + b.count, 0)).toBe(0);
  });
});
