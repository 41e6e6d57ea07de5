import { describe, expect, it } from "vitest";
import { CorrelatorSettings } from "../schemas/config.js";
import { anomalyId, detectAnomalies, detectionWindow, seriesKeyString } from "./detect.js";
import type { Anomaly, RedBucket, RedSeries, WindowStats } from "./types.js";

const settings = CorrelatorSettings.parse({});
const now = 1_700_000_125; // a tick; the window ends at the last bucket boundary before now − 5 s
const window = detectionWindow(now, settings);

/** Ten minutes of steady baseline buckets, then the three window buckets given. */
function series(node: string, baseline: Omit<RedBucket, "bucket">, current: Omit<RedBucket, "bucket">[], nodeType: "service" | "database" = "service"): RedSeries {
  const buckets: RedBucket[] = [];
  for (let t = window.baselineStart; t < window.windowStart; t += 10) buckets.push({ bucket: t, ...baseline });
  current.forEach((bucket, i) => buckets.push({ bucket: window.windowStart + i * 10, ...bucket }));
  return { tenant: "default", node, nodeType, operation: "POST /charge", sourceLanguage: "rust", buckets };
}

function stats(current: Omit<RedBucket, "bucket">[], codes: Record<string, number> = {}): WindowStats {
  const calls = current.reduce((s, b) => s + b.calls, 0);
  const errors = current.reduce((s, b) => s + b.errors, 0);
  return { calls, errors, p50Ms: Math.max(...current.map((b) => b.p50Ms)), p95Ms: Math.max(...current.map((b) => b.p95Ms)), p99Ms: Math.max(...current.map((b) => b.p99Ms)), errorCodes: codes };
}

const healthy = { calls: 100, errors: 1, p50Ms: 10, p95Ms: 20, p99Ms: 30 };

function detect(list: RedSeries[], windows: WindowStats[], active: Anomaly[] = []) {
  return detectAnomalies({ series: list, windows: new Map(list.map((s, i) => [seriesKeyString(s), windows[i]!])), active, window, settings, version: 42 });
}

describe("anomaly detection", () => {
  it("uses closed buckets only: the window ends at the bucket before now minus the ingest lag", () => {
    expect(window).toEqual({ windowEnd: 1_700_000_120, windowStart: 1_700_000_090, baselineStart: 1_699_999_490 });
  });

  it("waits for the data when ingest falls behind: the window never passes the newest bucket that has spans", () => {
    expect(detectionWindow(now, settings, 1_700_000_120).windowEnd).toBe(1_700_000_120);
    expect(detectionWindow(now, settings, 1_700_000_090)).toEqual({ windowEnd: 1_700_000_090, windowStart: 1_700_000_060, baselineStart: 1_699_999_460 });
  });

  it("flags an error-rate rise over the baseline, with its onset bucket, score and dominant codes", () => {
    const current = [healthy, { ...healthy, errors: 40 }, { ...healthy, errors: 60 }];
    const codes = { "UNAVAILABLE.CONNECTION_REFUSED": 99 };
    const [anomaly, ...rest] = detect([series("payments", healthy, current)], [stats(current, codes)]);
    expect(rest).toEqual([]);
    expect(anomaly).toEqual({
      tenant: "default",
      node: "payments",
      nodeType: "service",
      operation: "POST /charge",
      anomalyId: anomalyId({ tenant: "default", node: "payments", nodeType: "service", operation: "POST /charge" }, "error_rate", window.windowStart + 10),
      kind: "error_rate",
      onsetAt: window.windowStart + 10,
      detectedAt: window.windowEnd,
      lastSeenAt: window.windowEnd,
      // (101/300 − 0.01) / (0.05 / 3): the baseline IQR is 0, so the floor spread applies.
      score: 19.6,
      observed: 0.3367,
      baseline: 0.01,
      baselineSpread: 0,
      calls: 300,
      errors: 101,
      errorCodes: codes,
      anomalousBuckets: 2,
      version: 42,
    });
  });

  it("flags a p95 latency rise of at least 1.5x and 50 ms, and not a smaller one", () => {
    const slow = [healthy, { ...healthy, p95Ms: 250 }, { ...healthy, p95Ms: 260 }];
    const [latency] = detect([series("inventory", healthy, slow)], [stats(slow)]);
    expect(latency).toMatchObject({ kind: "latency", observed: 260, baseline: 20, onsetAt: window.windowStart + 10 });
    const slightly = [healthy, { ...healthy, p95Ms: 65 }, healthy];
    expect(detect([series("inventory", healthy, slightly)], [stats(slightly)])).toEqual([]);
  });

  it("keeps quiet endpoints from paging: below minCalls or minErrors nothing is flagged", () => {
    const quiet = { calls: 3, errors: 0, p50Ms: 10, p95Ms: 20, p99Ms: 30 };
    const failing = [{ ...quiet, errors: 3 }, { ...quiet, errors: 3 }, { ...quiet, errors: 3 }];
    expect(detect([series("admin", quiet, failing)], [stats(failing)])).toEqual([]);
  });

  it("needs a baseline: a series with fewer than three baseline buckets is not judged", () => {
    const current = [{ ...healthy, errors: 50 }, { ...healthy, errors: 50 }, { ...healthy, errors: 50 }];
    const fresh: RedSeries = { ...series("new", healthy, current), buckets: series("new", healthy, current).buckets.slice(-5) };
    expect(detect([fresh], [stats(current)])).toEqual([]);
  });

  it("compares a continuing anomaly with the baseline frozen at its detection, keeping its id and onset", () => {
    const current = [{ ...healthy, errors: 50 }, { ...healthy, errors: 50 }, { ...healthy, errors: 50 }];
    // By now the history is full of errors too; only the frozen baseline still shows the change.
    const s = series("payments", { ...healthy, errors: 50 }, current);
    const active: Anomaly = {
      tenant: "default", node: "payments", nodeType: "service", operation: "POST /charge", anomalyId: "anm_earlier", kind: "error_rate",
      onsetAt: 1_699_999_900, detectedAt: 1_699_999_930, lastSeenAt: 1_700_000_100, score: 30, observed: 0.5, baseline: 0.01, baselineSpread: 0,
      calls: 300, errors: 150, errorCodes: {}, anomalousBuckets: 3, version: 1,
    };
    const [continued] = detect([s], [stats(current)], [active]);
    expect(continued).toMatchObject({ anomalyId: "anm_earlier", onsetAt: 1_699_999_900, detectedAt: 1_699_999_930, lastSeenAt: window.windowEnd, baseline: 0.01, version: 42 });
    expect(detect([s], [stats(current)])).toEqual([]);
  });

  it("reports a configured latency budget breach even without a change against the baseline", () => {
    const budgeted = CorrelatorSettings.parse({ latencyBudgets: [{ service: "checkout", quantile: "p99", thresholdMs: 25 }] });
    const current = [healthy, healthy, healthy];
    const s = series("checkout", healthy, current);
    const [breach] = detectAnomalies({ series: [s], windows: new Map([[seriesKeyString(s), stats(current)]]), active: [], window, settings: budgeted, version: 1 });
    expect(breach).toMatchObject({ kind: "latency_budget", observed: 30, baseline: 25, score: 1.2, onsetAt: window.windowStart });
  });

  it("counts the window's buckets that are anomalous on their own: a one-bucket spike counts once, a fault in progress twice", () => {
    const spike = [{ ...healthy, errors: 60 }, healthy, healthy];
    expect(detect([series("payments", healthy, spike)], [stats(spike)])[0]).toMatchObject({ kind: "error_rate", anomalousBuckets: 1 });
    const slowSpike = [healthy, healthy, { ...healthy, p95Ms: 900 }];
    expect(detect([series("payments", healthy, slowSpike)], [stats(slowSpike)])[0]).toMatchObject({ kind: "latency", anomalousBuckets: 1 });
    const fault = [healthy, { ...healthy, p95Ms: 400 }, { ...healthy, p95Ms: 420 }];
    expect(detect([series("payments", healthy, fault)], [stats(fault)])[0]).toMatchObject({ kind: "latency", anomalousBuckets: 2, onsetAt: window.windowStart + 10 });
  });
});
