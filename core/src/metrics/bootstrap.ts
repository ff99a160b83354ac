import { mulberry32 } from './prng.ts';

export interface BootstrapOptions {
  /** Resamples of the users; PROTOCOL.md step 8 asks for at least 1000. */
  resamples?: number;
  seed?: number;
  /** Two-sided confidence level. */
  level?: number;
}

export const DEFAULT_BOOTSTRAP = { resamples: 1000, seed: 20_240_601, level: 0.95 } as const;

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** Percentile bootstrap CI of the mean of per-user values: users are resampled with replacement. */
export function bootstrapCi(values: ArrayLike<number>, options: BootstrapOptions = {}): [number, number] {
  const n = values.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const means = resampleMeans(n, (i) => values[i], options);
  return percentileInterval(means, options.level ?? DEFAULT_BOOTSTRAP.level);
}

export interface PairedDifference {
  /** mean(candidate) − mean(baseline) over the same users. */
  difference: number;
  ci: [number, number];
  /** Share of resamples in which the candidate's mean is not above the baseline's (a one-sided p). */
  p_not_better: number;
}

/**
 * Paired bootstrap of mean(candidate − baseline): both models are scored on the SAME users, and each
 * resample draws users, keeping each user's pair together (the promotion gate's CI).
 */
export function pairedBootstrap(
  candidate: ArrayLike<number>,
  baseline: ArrayLike<number>,
  options: BootstrapOptions = {},
): PairedDifference {
  const n = candidate.length;
  if (baseline.length !== n) {
    throw new Error(`pairedBootstrap: ${n} candidate values but ${baseline.length} baseline values; pass one per user`);
  }
  if (n === 0) return { difference: Number.NaN, ci: [Number.NaN, Number.NaN], p_not_better: Number.NaN };
  const diffs = new Float64Array(n);
  for (let i = 0; i < n; i++) diffs[i] = candidate[i] - baseline[i];
  const means = resampleMeans(n, (i) => diffs[i], options);
  let notBetter = 0;
  for (let b = 0; b < means.length; b++) if (means[b] <= 0) notBetter++;
  return {
    difference: mean(diffs),
    ci: percentileInterval(means, options.level ?? DEFAULT_BOOTSTRAP.level),
    p_not_better: notBetter / means.length,
  };
}

function resampleMeans(n: number, valueAt: (i: number) => number, options: BootstrapOptions): Float64Array {
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP.resamples;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new Error(`bootstrap: resamples must be a positive integer, got ${resamples}`);
  }
  const random = mulberry32(options.seed ?? DEFAULT_BOOTSTRAP.seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += valueAt(Math.floor(random() * n));
    means[b] = sum / n;
  }
  return means;
}

/** The central `level` interval of `samples` (sorted in place), linearly interpolated like numpy's default. */
function percentileInterval(samples: Float64Array, level: number): [number, number] {
  samples.sort();
  const tail = (1 - level) / 2;
  return [quantile(samples, tail), quantile(samples, 1 - tail)];
}

function quantile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}
