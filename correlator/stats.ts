// Robust statistics for baselines (median and IQR, as BARO's RobustScorer uses): a few outlier
// buckets in the history do not move the baseline the way a mean and standard deviation would.

/** Linear-interpolated quantile of a sample (q in 0..1); NaN for an empty sample. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

export const median = (values: readonly number[]) => quantile(values, 0.5);

export function interquartileRange(values: readonly number[]): number {
  return quantile(values, 0.75) - quantile(values, 0.25);
}

/** (x − median) / spread, where spread is the IQR but never below `floor` (IQR is 0 on flat series). */
export function robustScore(x: number, center: number, spread: number, floor: number): number {
  return (x - center) / Math.max(spread, floor);
}
