// Anomaly detection on RED series: error-rate and latency changes against the same series' recent
// baseline (median/IQR), with minimum-volume guards, plus breaches of configured latency budgets.
// Pure: series, windows and currently active anomalies in; new and updated anomalies out.
import { createHash } from "node:crypto";
import type { CorrelatorSettings, LatencyBudget } from "../schemas/config.js";
import { interquartileRange, median, robustScore } from "./stats.js";
import type { Anomaly, AnomalyKind, RedBucket, RedSeries, SeriesKey, WindowStats } from "./types.js";

export interface DetectionWindow {
  /** First bucket of the baseline (inclusive). */
  baselineStart: number;
  /** First bucket of the detection window (inclusive); the baseline ends here. */
  windowStart: number;
  /** End of the detection window (exclusive). */
  windowEnd: number;
}

/**
 * The window a tick at `nowSeconds` looks at: closed buckets only, ingest lag allowed for, and
 * never past the newest bucket that has data (`newestBucket`, when known): when ingest falls
 * behind, the window waits for the data instead of judging empty buckets — and a fault's buckets
 * still pass through the window when their spans land, rather than going straight into the
 * baseline of later ticks unjudged.
 */
export function detectionWindow(nowSeconds: number, settings: CorrelatorSettings, newestBucket?: number): DetectionWindow {
  const byClock = Math.floor((nowSeconds - settings.ingestLagSeconds) / settings.bucketSeconds) * settings.bucketSeconds;
  const windowEnd = newestBucket === undefined ? byClock : Math.min(byClock, newestBucket);
  const windowStart = windowEnd - settings.detectBuckets * settings.bucketSeconds;
  return { baselineStart: windowStart - settings.baselineMinutes * 60, windowStart, windowEnd };
}

export const seriesKeyString = (key: SeriesKey) => `${key.tenant}\u0000${key.node}\u0000${key.nodeType}\u0000${key.operation}`;

export function anomalyId(key: SeriesKey, kind: AnomalyKind, onsetAt: number): string {
  return `anm_${createHash("sha1").update(`${seriesKeyString(key)}\u0000${kind}\u0000${onsetAt}`).digest("hex").slice(0, 20)}`;
}

export interface DetectionInput {
  series: RedSeries[];
  windows: Map<string, WindowStats>;
  /** Anomalies still active (seen within resolveAfterSeconds), any tenant. */
  active: Anomaly[];
  window: DetectionWindow;
  settings: CorrelatorSettings;
  /** Version stamp for the rows written by this tick (monotonic across ticks). */
  version: number;
}

interface Finding {
  kind: AnomalyKind;
  score: number;
  observed: number;
  baseline: number;
  baselineSpread: number;
  onsetAt: number;
  /** Window buckets anomalous on their own. */
  anomalousBuckets: number;
}

const minBaselineBuckets = 3;
/** A bucket counts as anomalous on its own with at least this many errors (error rate) or calls (latency). */
const minBucketErrors = 2;
const minBucketCalls = 3;

/** Median and IQR of a per-bucket figure over the baseline, or the ones frozen on an active anomaly. */
function baselineOf(baselineBuckets: RedBucket[], figure: (bucket: RedBucket) => number, frozen?: Anomaly): { center: number; spread: number } | undefined {
  if (frozen) return { center: frozen.baseline, spread: frozen.baselineSpread };
  const values = baselineBuckets.filter((b) => b.calls > 0).map(figure);
  if (values.length < minBaselineBuckets) return undefined;
  return { center: median(values), spread: interquartileRange(values) };
}

function errorRateFinding(baselineBuckets: RedBucket[], windowBuckets: RedBucket[], stats: WindowStats, settings: CorrelatorSettings, frozen?: Anomaly): Finding | undefined {
  if (stats.calls < settings.minCalls || stats.errors < settings.minErrors) return undefined;
  const observed = stats.errors / stats.calls;
  const baseline = baselineOf(baselineBuckets, (b) => b.errors / b.calls, frozen);
  if (!baseline) return undefined;
  const { center, spread } = baseline;
  const score = robustScore(observed, center, spread, settings.minErrorRateIncrease / settings.robustScoreThreshold);
  if (observed - center < settings.minErrorRateIncrease || score < settings.robustScoreThreshold) return undefined;
  // A bucket on its own: the rate rise, and enough errors that it is not one unlucky request.
  const bad = windowBuckets.filter((b) => b.calls > 0 && b.errors >= minBucketErrors && b.errors / b.calls - center >= settings.minErrorRateIncrease);
  return { kind: "error_rate", score, observed, baseline: center, baselineSpread: spread, onsetAt: bad[0]?.bucket ?? windowBuckets[0]?.bucket ?? 0, anomalousBuckets: bad.length };
}

function latencyFinding(baselineBuckets: RedBucket[], windowBuckets: RedBucket[], stats: WindowStats, settings: CorrelatorSettings, frozen?: Anomaly): Finding | undefined {
  if (stats.calls < settings.minCalls) return undefined;
  const observed = stats.p95Ms;
  const baseline = baselineOf(baselineBuckets, (b) => b.p95Ms, frozen);
  if (!baseline) return undefined;
  const { center, spread } = baseline;
  const score = robustScore(observed, center, spread, Math.max(1, center * 0.05));
  if (observed < center * settings.latencyRatio || observed - center < settings.minLatencyIncreaseMs || score < settings.robustScoreThreshold) return undefined;
  const bad = windowBuckets.filter((b) => b.calls >= minBucketCalls && b.p95Ms >= center * settings.latencyRatio && b.p95Ms - center >= settings.minLatencyIncreaseMs);
  const onset = windowBuckets.find((b) => b.calls > 0 && b.p95Ms >= center * settings.latencyRatio);
  return { kind: "latency", score, observed, baseline: center, baselineSpread: spread, onsetAt: onset?.bucket ?? windowBuckets[0]?.bucket ?? 0, anomalousBuckets: bad.length };
}

function budgetFinding(series: RedSeries, windowBuckets: RedBucket[], stats: WindowStats, budgets: readonly LatencyBudget[], settings: CorrelatorSettings): Finding | undefined {
  if (series.nodeType !== "service" || stats.calls < settings.minCalls) return undefined;
  const budget = budgets.find((b) => b.service === series.node && (b.operation === undefined || b.operation === series.operation));
  if (!budget) return undefined;
  const pick = (s: { p50Ms: number; p95Ms: number; p99Ms: number }) => (budget.quantile === "p50" ? s.p50Ms : budget.quantile === "p95" ? s.p95Ms : s.p99Ms);
  const observed = pick(stats);
  if (observed <= budget.thresholdMs) return undefined;
  const bad = windowBuckets.filter((b) => b.calls >= minBucketCalls && pick(b) > budget.thresholdMs);
  return { kind: "latency_budget", score: observed / budget.thresholdMs, observed, baseline: budget.thresholdMs, baselineSpread: 0, onsetAt: bad[0]?.bucket ?? windowBuckets[0]?.bucket ?? 0, anomalousBuckets: bad.length };
}

/** New anomalies and new versions of active ones that are still anomalous. */
export function detectAnomalies(input: DetectionInput): Anomaly[] {
  const { window, settings } = input;
  const activeByKey = new Map(input.active.map((a) => [`${seriesKeyString(a)}\u0000${a.kind}`, a]));
  const out: Anomaly[] = [];
  for (const series of input.series) {
    const key = seriesKeyString(series);
    const stats = input.windows.get(key);
    if (!stats) continue;
    const baselineBuckets = series.buckets.filter((b) => b.bucket >= window.baselineStart && b.bucket < window.windowStart);
    const windowBuckets = series.buckets.filter((b) => b.bucket >= window.windowStart && b.bucket < window.windowEnd);
    const frozen = (kind: AnomalyKind) => activeByKey.get(`${key}\u0000${kind}`);
    const findings = [
      errorRateFinding(baselineBuckets, windowBuckets, stats, settings, frozen("error_rate")),
      latencyFinding(baselineBuckets, windowBuckets, stats, settings, frozen("latency")),
      budgetFinding(series, windowBuckets, stats, settings.latencyBudgets, settings),
    ];
    for (const finding of findings) {
      if (!finding) continue;
      const previous = frozen(finding.kind);
      const seriesKey = { tenant: series.tenant, node: series.node, nodeType: series.nodeType, operation: series.operation };
      out.push({
        ...seriesKey,
        anomalyId: previous?.anomalyId ?? anomalyId(seriesKey, finding.kind, finding.onsetAt),
        kind: finding.kind,
        onsetAt: previous?.onsetAt ?? finding.onsetAt,
        detectedAt: previous?.detectedAt ?? window.windowEnd,
        lastSeenAt: window.windowEnd,
        score: round(finding.score),
        observed: round(finding.observed),
        baseline: round(finding.baseline),
        baselineSpread: round(finding.baselineSpread),
        calls: stats.calls,
        errors: stats.errors,
        errorCodes: stats.errorCodes,
        anomalousBuckets: finding.anomalousBuckets,
        version: input.version,
      });
    }
  }
  return out;
}

const round = (value: number) => Math.round(value * 1e4) / 1e4;
