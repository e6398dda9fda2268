/**
 * Small numeric helpers shared by the benchmark's processes.
 */

/** The p-th percentile (0-100) of `values`, nearest-rank; NaN when empty. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values) {
  return percentile(values, 50);
}

export function mean(values) {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** p50/p90/p99/max of a list of milliseconds, rounded to 0.01 ms. */
export function summarize(values) {
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p90: round(percentile(values, 90)),
    p99: round(percentile(values, 99)),
    max: round(values.reduce((a, b) => (b > a ? b : a), -Infinity)),
  };
}

export function round(value, digits = 2) {
  if (!Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
