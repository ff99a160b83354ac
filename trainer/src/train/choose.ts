import type { Csr } from '@recsys/core/csr';
import { catalogueWithHistory } from '@recsys/core/recommender/catalogue';
import { Recommender } from '@recsys/core/recommender/recommender';
import type { Scorer } from '@recsys/core/recommender/scorer';
import { type ListMetrics, listsOfKnownUsers } from '../evaluate/evaluate.ts';
import type { ModelFamily } from './family.ts';
import { itemAttributes, recommenderFor, type Trial } from './search.ts';
import { type Judged, type SelectionRule, type Verdict, verdict } from './selection.ts';
import type { FitWindow } from './window.ts';

/** How many eligible candidates a family re-checks on its deployed refit before it gives up. */
export const RECHECKS = 3;

/** A family's configuration, refit on train + validation, and the deployed model built from that refit. */
export interface FamilyChoice {
  trial: Trial;
  /** Fit on train + validation, knowing users by that window only: what test scores (PROTOCOL.md step 4). */
  refit: Recommender;
  /** The same fit knowing every interaction available at export time: what serving answers with. */
  deployed: Recommender;
  /** Coverage and the beyond-accuracy metrics of the deployed lists, for every user it knows. */
  deployedLists: Record<string, number>;
  /** The rule on validation, and again on the refit's lists as reported and as deployed. */
  verdict: Verdict;
}

export interface ChoiceContext {
  refitWindow: FitWindow;
  /** Every interaction available at export time (`fullHistory`). */
  history: Csr;
  rule: SelectionRule;
}

/**
 * The family's configuration: the first candidate, in the rule's order on validation, whose refit still meets
 * the rule — both as it is reported (knowing users by train + validation, the lists test describes) and as it
 * is deployed (knowing every interaction: what users get). A trend fit on a later window can crowd the lists
 * more than on validation. When no candidate passes, the family's best on validation is chosen and marked not
 * eligible, with why. Only list metrics enter the re-check: no held-out interaction is looked at.
 */
export async function chooseConfiguration(
  family: ModelFamily,
  ranked: readonly Trial[],
  context: ChoiceContext,
): Promise<FamilyChoice> {
  const rejected: string[] = [];
  // A refit is a full fit on train + validation: the best candidate, when it was re-checked and failed, is kept
  // rather than fitted a second time for the fallback below.
  const refits = new Map<Trial, FamilyChoice>();
  for (const trial of ranked.filter((t) => t.confirmed && t.verdict.eligible).slice(0, RECHECKS)) {
    const choice = await refit(family, trial, context);
    if (choice.verdict.eligible) return choice;
    refits.set(trial, choice);
    rejected.push(`${JSON.stringify(trial.params)}: ${choice.verdict.why.join(', ')}`);
  }
  const best = refits.get(ranked[0]) ?? (await refit(family, ranked[0], context));
  const why = ranked[0].verdict.eligible
    ? rejected
    : [...ranked[0].verdict.why.map((reason) => `validation ${reason}`), ...best.verdict.why];
  return { ...best, verdict: { eligible: false, why: why.length > 0 ? why : ['no candidate met the rule'] } };
}

async function refit(family: ModelFamily, trial: Trial, context: ChoiceContext): Promise<FamilyChoice> {
  const { refitWindow, history, rule } = context;
  const scorer = await family.fit(refitWindow, trial.params);
  const reported = recommenderFor(scorer, refitWindow);
  const deployed = deployedRecommender(scorer, refitWindow, history);
  const flat = ({ coverage, beyond }: ListMetrics) => ({ ...coverage, ...beyond });
  const reportedLists = flat(listsOfKnownUsers(reported));
  const deployedLists = flat(listsOfKnownUsers(deployed));
  const why = [
    ...verdict(reportedLists, rule).why.map((reason) => `refit ${reason}`),
    ...verdict(deployedLists, rule).why.map((reason) => `deployed ${reason}`),
  ];
  return { trial, refit: reported, deployed, deployedLists, verdict: { eligible: why.length === 0, why } };
}

/** A scorer fit on the window, knowing its users by `history`: what a bundle deploys. */
export function deployedRecommender(scorer: Scorer, window: FitWindow, history: Csr): Recommender {
  const { data } = window;
  return new Recommender(
    scorer.withHistory(history),
    catalogueWithHistory(window.interactions, history, data.movieIds),
    itemAttributes(data),
  );
}

/** A choice as the rule compares families: its validation numbers and its final verdict. */
export function judged(choice: FamilyChoice): Judged {
  return { validation: choice.trial.validation, verdict: choice.verdict };
}
