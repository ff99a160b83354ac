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
}

/** An evenly spread subset of `all` of at most `budget` entries, keeping the first (the default) candidate. */
export function spread<T>(all: T[], budget: number): T[] {
  if (budget >= all.length) return all;
  if (budget <= 1) return all.slice(0, 1);
  const step = (all.length - 1) / (budget - 1);
  return Array.from({ length: budget }, (_, i) => all[Math.round(i * step)]);
}
