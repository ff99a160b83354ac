import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import type { ItemAttributes } from '@recsys/core/recommender/filters';
import { Recommender } from '@recsys/core/recommender/recommender';
import type { Scorer } from '@recsys/core/recommender/scorer';
import type { PreparedDataset } from '../data/dataset.ts';
import { type Evaluation, evaluate } from '../evaluate/evaluate.ts';
import { type FlatMetrics, warmMetrics } from '../evaluate/report.ts';
import type { ModelFamily, Params, Tradeoff } from './family.ts';
import { byPreference, preferred, type SelectionRule, type Verdict, verdict } from './selection.ts';
import type { FitWindow } from './window.ts';

/** One candidate as the record keeps it: its params, validation numbers and the rule's verdict on them. */
export interface Trial {
  family: string;
  params: Params;
  /** The warm slice with coverage and the beyond-accuracy metrics (`warmMetrics`). */
  validation: FlatMetrics;
  verdict: Verdict;
  fit_seconds: number;
}

/** A fitted candidate with its evaluation and recommender (the scorer is kept only while it is needed). */
export interface FittedTrial extends Trial {
  evaluation: Evaluation;
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
  rule: SelectionRule,
): Promise<FittedTrial> {
  const started = performance.now();
  const scorer = await family.fit(window, params);
  const fitSeconds = (performance.now() - started) / 1000;
  const recommender = recommenderFor(scorer, window);
  const evaluation = evaluate({ recommender, coldStart, heldOut: window.heldOut });
  const validation = warmMetrics(evaluation);
  return {
    family: family.name,
    params,
    validation,
    verdict: verdict(validation, rule),
    fit_seconds: fitSeconds,
    evaluation,
    scorer,
    recommender,
  };
}

/** Every trial of a family in the order the rule prefers them, and the best one still fitted. */
export interface FamilySearch {
  ranked: Trial[];
  best: FittedTrial;
}

/**
 * Searches one family on the train window, scored on validation, within `budget` trials. Candidates run in the
 * family's order, so ties keep the earlier. A family with a trade-off parameter has it bisected from each
 * candidate towards the rule's limits (up while the candidate is eligible, down while it is not), so the search
 * spends its budget where the constrained optimum lies. Only the best fitted candidate is held in memory.
 */
export async function searchFamily(
  family: ModelFamily,
  window: FitWindow,
  budget: number,
  rule: SelectionRule,
  coldStart: Recommender | undefined,
  onTrial?: (trial: Trial, index: number, total: number) => void,
): Promise<FamilySearch> {
  if (window.name !== 'train') throw new Error('search: hyperparameters are chosen on the train window only');
  const candidates = family.candidates(budget);
  if (candidates.length === 0) throw new Error(`search: family ${family.name} offered no candidates`);
  const total = Math.min(budget, family.tradeoff ? budget : candidates.length);
  const trials: Trial[] = [];
  let best: FittedTrial | undefined;
  const run = async (params: Params): Promise<Trial> => {
    const fitted = await runTrial(family, params, window, coldStart, rule);
    const trial = record(fitted);
    trials.push(trial);
    onTrial?.(trial, trials.length - 1, total);
    if (!best || preferred(fitted, best, rule)) best = fitted;
    return trial;
  };
  for (const params of candidates) {
    if (trials.length >= budget) break;
    const trial = await run(params);
    if (family.tradeoff) await bisect(family.tradeoff, trial, () => budget - trials.length, run);
  }
  return { ranked: byPreference(trials, rule), best: best! };
}

/**
 * Moves the trade-off parameter from `start` to the largest value the rule still accepts: doubling from an
 * eligible value or halving from an ineligible one until the verdict flips, then geometric bisection.
 */
export async function bisect(
  tradeoff: Tradeoff,
  start: Trial,
  left: () => number,
  run: (params: Params) => Promise<Trial>,
): Promise<void> {
  const [min, max] = tradeoff.range;
  const value = Number(start.params[tradeoff.param]);
  let good = start.verdict.eligible ? value : undefined;
  let bad = start.verdict.eligible ? undefined : value;
  for (let step = 0; step < tradeoff.steps && left() > 0; step++) {
    const guess = good === undefined ? bad! / 2 : bad === undefined ? good * 2 : Math.sqrt(good * bad);
    const next = Number(Math.min(max, Math.max(min, guess)).toPrecision(2));
    if (next === good || next === bad) return;
    if ((await run({ ...start.params, [tradeoff.param]: next })).verdict.eligible) good = next;
    else bad = next;
  }
}

/** The trial without what only a fitted model carries. */
export function record(trial: FittedTrial): Trial {
  const { evaluation: _e, scorer: _s, recommender: _r, ...kept } = trial;
  return kept;
}
