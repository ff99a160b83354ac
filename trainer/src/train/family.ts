import type { Scorer } from '@recsys/core/recommender/scorer';
import type { FitWindow } from './window.ts';

/** Hyperparameters of one candidate, as recorded in the manifest and the tracker (snake_case keys). */
export type Params = Record<string, number | string | boolean | null>;

/**
 * A model family: the search space it offers and how to fit one candidate. Fitting lives here in the
 * trainer; the fitted Scorer is what core scores with, in evaluation and in serving alike.
 */
export interface ModelFamily {
  readonly name: string;
  /** Candidates in the order the search tries them, at most `budget` of them. */
  candidates(budget: number): Params[];
  fit(window: FitWindow, params: Params): Scorer | Promise<Scorer>;
  /**
   * How a candidate fits in `bytes` of memory on this window: the parameters to fit it with (a family may bound
   * itself, e.g. EASE to its most popular items), or why it cannot. Absent: the family's memory is negligible.
   */
  withinMemory?(window: FitWindow, params: Params, bytes: number): MemoryFit;
  /** The candidates tried when neither the caller nor the RecModel names a budget. */
  readonly defaultBudget?: number;
  /**
   * A parameter that trades alike lists for accuracy (more of it: higher NDCG@10 and a higher top-10 Jaccard,
   * e.g. a trend's weight): from each candidate, the search moves it towards the selection rule's limits.
   */
  readonly tradeoff?: Tradeoff;
  /**
   * Rolling-origin validation folds this family is confirmed on when the caller names none: 3 where the measured
   * selection regret (`make bench-regret`) was no worse than the single split's on every dataset, else 1.
   */
  readonly defaultFolds?: number;
  /**
   * Random seeds a confirmed candidate is fitted with, its numbers pooled over them (a seed-robust pick); the first
   * is the one it is screened, refit and deployed with. Absent for a deterministic family.
   */
  readonly seeds?: readonly number[];
}

export interface Tradeoff {
  param: string;
  /** The range it is moved within, on a log scale. */
  range: [number, number];
  /** Bisection steps per candidate (each one a trial of the budget). */
  steps: number;
}

/** A candidate's parameters within the memory budget, with the bytes it is estimated to need, or why it cannot. */
export type MemoryFit = { params: Params; bytes: number } | { reason: string };

/** An evenly spread subset of `all` of at most `budget` entries, keeping the first (the default) candidate. */
export function spread<T>(all: T[], budget: number): T[] {
  if (budget >= all.length) return all;
  if (budget <= 1) return all.slice(0, 1);
  const step = (all.length - 1) / (budget - 1);
  return Array.from({ length: budget }, (_, i) => all[Math.round(i * step)]);
}
