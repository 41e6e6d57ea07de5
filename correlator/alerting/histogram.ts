// Latency histograms as both series sources deliver them: buckets (lo, hi] in milliseconds with a
// count. Spans are bucketed on insert in log-scale buckets (8 per doubling, ~4.5% wide); OTLP
// histograms keep their explicit bounds. Histograms add, so any set of series (instances,
// operations, status codes) merges exactly, which quantile sketches such as t-digest do not.
// Quantiles interpolate linearly inside a bucket, as Prometheus's histogram_quantile does.

export interface HistogramBucket {
  lo: number;
  hi: number;
  count: number;
}

/** Buckets keyed by "lo|hi"; counts add on merge. */
export type Histogram = Map<string, HistogramBucket>;

/** Log-scale span buckets: index i covers (2^((i−1)/8), 2^(i/8)] ms. Must match 0040_alerting.sql. */
export const spanBucketsPerDoubling = 8;

export function spanBucket(index: number): { lo: number; hi: number } {
  return { lo: 2 ** ((index - 1) / spanBucketsPerDoubling), hi: 2 ** (index / spanBucketsPerDoubling) };
}

/** The bucket index a duration falls in (the same formula as the materialized view). */
export function spanBucketIndex(durationMs: number): number {
  return Math.ceil(Math.log2(Math.max(durationMs, 0.001)) * spanBucketsPerDoubling);
}

export function addBucket(histogram: Histogram, lo: number, hi: number, count: number): void {
  if (count <= 0) return;
  const key = `${lo}|${hi}`;
  const bucket = histogram.get(key);
  if (bucket) bucket.count += count;
  else histogram.set(key, { lo, hi, count });
}

export function mergeInto(target: Histogram, source: Histogram): void {
  for (const bucket of source.values()) addBucket(target, bucket.lo, bucket.hi, bucket.count);
}

export function totalCount(histogram: Histogram): number {
  let total = 0;
  for (const bucket of histogram.values()) total += bucket.count;
  return total;
}

function sorted(histogram: Histogram): HistogramBucket[] {
  return [...histogram.values()].sort((a, b) => a.hi - b.hi || a.lo - b.lo);
}

/**
 * The q-quantile in ms, or undefined for an empty histogram. A quantile in the open-ended top
 * bucket is reported as that bucket's lower bound (what Prometheus does with +Inf).
 */
export function quantile(histogram: Histogram, q: number): number | undefined {
  const buckets = sorted(histogram);
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (const bucket of buckets) {
    if (seen + bucket.count >= rank) {
      if (!Number.isFinite(bucket.hi)) return bucket.lo;
      return bucket.lo + (bucket.hi - bucket.lo) * ((rank - seen) / bucket.count);
    }
    seen += bucket.count;
  }
  const last = buckets[buckets.length - 1]!;
  return Number.isFinite(last.hi) ? last.hi : last.lo;
}

/** Requests that took at most `thresholdMs`, interpolated inside the bucket the threshold cuts. */
export function countAtMost(histogram: Histogram, thresholdMs: number): number {
  let good = 0;
  for (const bucket of histogram.values()) {
    if (bucket.hi <= thresholdMs) good += bucket.count;
    else if (bucket.lo < thresholdMs && Number.isFinite(bucket.hi)) good += (bucket.count * (thresholdMs - bucket.lo)) / (bucket.hi - bucket.lo);
  }
  return good;
}
