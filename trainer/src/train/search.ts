import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import type { ItemAttributes } from '@recsys/core/recommender/filters';
import { Recommender } from '@recsys/core/recommender/recommender';
import type { Scorer } from '@recsys/core/recommender/scorer';
import type { PreparedDataset } from '../data/dataset.ts';
import { type Evaluation, evaluate } from '../evaluate/evaluate.ts';
import { type FlatMetrics, pooledMetrics } from '../evaluate/report.ts';
import type { ModelFamily, Params, Tradeoff } from './family.ts';
import { byPreference, type SelectionRule, type Verdict, verdict } from './selection.ts';
import type { FitWindow } from './window.ts';

/** One fold's numbers for a candidate: seeds pooled, as `validation` pools folds. */
export interface FoldMetrics {
  fold: string;
  metrics: FlatMetrics;
}

/** One candidate as the record keeps it: its params, validation numbers and the rule's verdict on them. */
export interface Trial {
  family: string;
  params: Params;
  /** The warm slice with coverage and the beyond-accuracy metrics, pooled over the folds it was scored on. */
  validation: FlatMetrics;
  /** Per fold, oldest first; a screened candidate has the protocol's validation only. */
  folds: FoldMetrics[];
  verdict: Verdict;
  /** Scored on every fold (and seed) of the plan: only confirmed candidates are chosen. */
  confirmed: boolean;
  fit_seconds: number;
}

/** A candidate fitted on one window and scored on the held-out interactions after it. */
export interface FittedCandidate {
  scorer: Scorer;
  recommender: Recommender;
  evaluation: Evaluation;
  fit_seconds: number;
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
export async function fitAndEvaluate(
  family: ModelFamily,
  params: Params,
  window: FitWindow,
  coldStart?: Recommender,
): Promise<FittedCandidate> {
  const started = performance.now();
  const scorer = await family.fit(window, params);
  const fitSeconds = (performance.now() - started) / 1000;
  const recommender = recommenderFor(scorer, window);
  const evaluation = evaluate({ recommender, coldStart, heldOut: window.heldOut });
  return { scorer, recommender, evaluation, fit_seconds: fitSeconds };
}

/** How candidates are scored on validation: rolling-origin folds inside the fit period, oldest first. */
export interface ValidationPlan {
  /** The last is the protocol's train → validation, where candidates are screened. */
  folds: FitWindow[];
  /** The cold-start path for the cold slice of the protocol's validation. */
  coldStart?: Recommender;
}

/** Every candidate of a family in the order the rule prefers them: confirmed ones first. */
export interface FamilySearch {
  ranked: Trial[];
}

/** One (fold, seed) evaluation of a candidate. */
interface Scored {
  fold: number;
  evaluation: Evaluation;
  fit_seconds: number;
}

/**
 * Searches one family within `budget` screening trials (issue 19's budgeted search): every candidate is scored on
 * the protocol's validation with the family's first seed, a family with a trade-off parameter has it bisected from
 * each candidate to the rule's limits, and then the best quarter (at least one) is confirmed on every fold and every
 * seed of the family, their numbers pooled. Only confirmed candidates are chosen; with one fold and one seed every
 * candidate is confirmed as it is screened. Candidates run in the family's order, so ties keep the earlier.
 */
export async function searchFamily(
  family: ModelFamily,
  plan: ValidationPlan,
  budget: number,
  rule: SelectionRule,
  onTrial?: (trial: Trial, index: number, total: number) => void,
): Promise<FamilySearch> {
  const { folds } = plan;
  const screen = folds.length - 1;
  if (folds[screen].name !== 'train') {
    throw new Error("search: the last validation fold must be the protocol's train window");
  }
  const seeds = family.seeds ?? [];
  const withSeed = (params: Params, seed: number | undefined): Params =>
    seed === undefined ? params : { ...params, seed };
  const combos = folds.length * Math.max(1, seeds.length);
  const candidates = family.candidates(budget);
  if (candidates.length === 0) throw new Error(`search: family ${family.name} offered no candidates`);
  const toConfirm = combos > 1 ? Math.max(1, Math.ceil(budget / 4)) : 0;
  const total = Math.min(budget, family.tradeoff ? budget : candidates.length) + toConfirm;

  const evidence = new Map<Trial, Scored[]>();
  const trials: Trial[] = [];
  const report = (trial: Trial) => onTrial?.(trial, trials.length - 1, total);
  const run = async (params: Params): Promise<Trial> => {
    const candidate = withSeed(params, seeds[0]);
    const fitted = await fitAndEvaluate(family, candidate, folds[screen], plan.coldStart);
    const scored = [{ fold: screen, evaluation: fitted.evaluation, fit_seconds: fitted.fit_seconds }];
    const trial = judge(family.name, candidate, scored, folds, rule, combos === 1);
    evidence.set(trial, scored);
    trials.push(trial);
    report(trial);
    return trial;
  };
  for (const params of candidates) {
    if (trials.length >= budget) break;
    const trial = await run(params);
    if (family.tradeoff) await bisect(family.tradeoff, trial, () => budget - trials.length, run);
  }
  if (toConfirm === 0) return { ranked: byPreference(trials, rule) };

  const confirmed: Trial[] = [];
  for (const screened of byPreference(trials, rule).slice(0, toConfirm)) {
    const scored = [...evidence.get(screened)!];
    for (let fold = 0; fold < folds.length; fold++) {
      for (const [s, seed] of (seeds.length > 0 ? seeds : [undefined]).entries()) {
        if (fold === screen && s === 0) continue;
        const fitted = await fitAndEvaluate(family, withSeed(screened.params, seed), folds[fold]);
        scored.push({ fold, evaluation: fitted.evaluation, fit_seconds: fitted.fit_seconds });
      }
    }
    const trial = judge(family.name, screened.params, scored, folds, rule, true);
    confirmed.push(trial);
    trials.splice(trials.indexOf(screened), 1, trial);
    report(trial);
  }
  const rest = trials.filter((trial) => !trial.confirmed);
  return { ranked: [...byPreference(confirmed, rule), ...byPreference(rest, rule)] };
}

/** A candidate's trial from its evaluations: pooled, per fold (seeds pooled), and the rule's verdict. */
function judge(
  family: string,
  params: Params,
  scored: readonly Scored[],
  folds: readonly FitWindow[],
  rule: SelectionRule,
  confirmed: boolean,
): Trial {
  const validation = pooledMetrics(scored.map((s) => s.evaluation));
  const perFold: FoldMetrics[] = [];
  for (let fold = 0; fold < folds.length; fold++) {
    const evaluations = scored.filter((s) => s.fold === fold).map((s) => s.evaluation);
    if (evaluations.length > 0) perFold.push({ fold: folds[fold].name, metrics: pooledMetrics(evaluations) });
  }
  return {
    family,
    params,
    validation,
    folds: perFold,
    verdict: verdict(validation, rule),
    confirmed,
    fit_seconds: scored.reduce((sum, s) => sum + s.fit_seconds, 0),
  };
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
