import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import type { ItemAttributes } from '@recsys/core/recommender/filters';
import { Recommender } from '@recsys/core/recommender/recommender';
import type { Scorer } from '@recsys/core/recommender/scorer';
import type { PreparedDataset } from '../data/dataset.ts';
import { type Evaluation, evaluate } from '../evaluate/evaluate.ts';
import type { ModelFamily, Params } from './family.ts';
import { type FitWindow, heldOutFor } from './window.ts';

/** How the winner is chosen on validation (ISSUE 3): the best primary metric among candidates meeting the constraint. */
export interface SelectionRule {
  metric: 'ndcg@10';
  /** Validation coverage@100 a candidate needs to be eligible (a policy value; 0.5 by default). */
  minCoverage: number;
}

export const DEFAULT_SELECTION: SelectionRule = { metric: 'ndcg@10', minCoverage: 0.5 };

export interface Trial {
  family: string;
  params: Params;
  evaluation: Evaluation;
  fit_seconds: number;
}

/** A fitted candidate with its evaluation; the scorer is kept only for the best trial of each family. */
export interface FittedTrial extends Trial {
  scorer: Scorer;
  recommender: Recommender;
}

export function itemAttributes(data: PreparedDataset): ItemAttributes {
  const years = new Uint16Array(data.items.length);
  for (let i = 0; i < data.items.length; i++) years[i] = data.items[i].year ?? 0;
  return { genres: data.manifest.genres, itemGenres: data.itemGenres, years };
}

export function recommenderFor(scorer: Scorer, window: FitWindow): Recommender {
  return new Recommender(
    scorer,
    catalogueFromFit(window.interactions, window.data.movieIds),
    itemAttributes(window.data),
  );
}

/** Fits one candidate on the window and scores it on the held-out set that follows (validation or test). */
export async function runTrial(
  family: ModelFamily,
  params: Params,
  window: FitWindow,
  coldStart: Recommender | undefined,
): Promise<FittedTrial> {
  const started = performance.now();
  const scorer = await family.fit(window, params);
  const fitSeconds = (performance.now() - started) / 1000;
  const recommender = recommenderFor(scorer, window);
  const evaluation = evaluate({ recommender, coldStart, heldOut: heldOutFor(window) });
  return { family: family.name, params, evaluation, fit_seconds: fitSeconds, scorer, recommender };
}

/** True when `a` should be chosen over `b` under the rule: eligibility first, then the metric, then the earlier. */
export function preferred(a: Trial, b: Trial, rule: SelectionRule): boolean {
  const eligibleA = eligible(a, rule);
  const eligibleB = eligible(b, rule);
  if (eligibleA !== eligibleB) return eligibleA;
  return a.evaluation.warm.metrics[rule.metric] > b.evaluation.warm.metrics[rule.metric];
}

export function eligible(trial: Trial, rule: SelectionRule): boolean {
  return trial.evaluation.coverage['coverage@100'] >= rule.minCoverage;
}

/**
 * Searches one family on the train window, scored on validation; returns every trial (for the record)
 * and the best one with its fitted scorer. Candidates run in the family's order, so ties keep the earlier.
 */
export async function searchFamily(
  family: ModelFamily,
  window: FitWindow,
  budget: number,
  rule: SelectionRule,
  coldStart: Recommender | undefined,
  onTrial?: (trial: Trial, index: number, total: number) => void,
): Promise<{ trials: Trial[]; best: FittedTrial }> {
  if (window.name !== 'train') throw new Error('search: hyperparameters are chosen on the train window only');
  const candidates = family.candidates(budget);
  if (candidates.length === 0) throw new Error(`search: family ${family.name} offered no candidates`);
  const trials: Trial[] = [];
  let best: FittedTrial | undefined;
  for (const [index, params] of candidates.entries()) {
    const trial = await runTrial(family, params, window, coldStart);
    const { scorer: _s, recommender: _r, ...record } = trial;
    trials.push(record);
    onTrial?.(record, index, candidates.length);
    if (!best || preferred(trial, best, rule)) best = trial;
  }
  return { trials, best: best! };
}
