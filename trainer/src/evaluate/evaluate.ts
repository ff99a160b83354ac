import { type Csr, rowIndices, rowLength } from '@recsys/core/csr';
import { type BeyondMetric, beyondAccuracy } from '@recsys/core/metrics/beyond-accuracy';
import type { BootstrapOptions } from '@recsys/core/metrics/bootstrap';
import { CoverageCounter } from '@recsys/core/metrics/coverage';
import { DEPTH, type ListMetric } from '@recsys/core/metrics/keys';
import { metricColumns, scoreUserRanking, type UserMetricColumns } from '@recsys/core/metrics/ranking';
import { type MetricSummary, summarize } from '@recsys/core/metrics/summary';
import type { Recommender } from '@recsys/core/recommender/recommender';

export interface EvaluationInput {
  /** The model under test, built on the fit catalogue (its `catalogue.seen` is the fit data). */
  recommender: Recommender;
  /** The cold-start path (popular / trending) that serves users without fit history; omit to skip the cold slice. */
  coldStart?: Recommender;
  /** Held-out positives (validation or test), users × items in the same index space as the fit data. */
  heldOut: Csr;
  bootstrap?: BootstrapOptions;
  /** Keep each evaluated user's top-100 (for parity checks); off by default. */
  keepRankings?: boolean;
}

/** One slice of evaluated users: means with CIs, plus the per-user values the paired gate resamples. */
export interface SliceEvaluation extends MetricSummary {
  /** User indices, aligned with `perUser` columns. */
  userIndices: Uint32Array;
  perUser: UserMetricColumns;
  rankings?: Uint32Array[];
}

/** What the lists of a model look like, without any held-out data. */
export interface ListMetrics {
  /** Over the top-100 of EVERY user with history, seen items excluded (step 7). */
  coverage: Record<ListMetric, number>;
  /** Over the top-10 of every user with history (step 10). */
  beyond: Record<BeyondMetric, number>;
}

export interface Evaluation extends ListMetrics {
  /** Users with ≥ 1 held-out positive and ≥ 1 fit positive (PROTOCOL.md step 5). */
  warm: SliceEvaluation;
  /** Users with held-out positives but no fit history, scored through the cold-start path. */
  cold: SliceEvaluation | null;
}

/** PROTOCOL.md steps 5–8 for one fitted model on one held-out set. */
export function evaluate(input: EvaluationInput): Evaluation {
  const { recommender, coldStart, heldOut } = input;
  const fit = recommender.catalogue.seen;
  if (heldOut.rows !== fit.rows || heldOut.cols !== fit.cols) {
    throw new Error(
      `evaluate: held-out data is ${heldOut.rows}×${heldOut.cols} but the fit data is ${fit.rows}×${fit.cols}; both must come from one prepared dataset`,
    );
  }
  const warmUsers: number[] = [];
  const warmRankings: Uint32Array[] = [];
  const lists: Uint32Array[] = [];
  const coldUsers: number[] = [];
  for (let user = 0; user < fit.rows; user++) {
    const heldOutCount = rowLength(heldOut, user);
    if (!recommender.knowsUser(user)) {
      if (heldOutCount > 0) coldUsers.push(user);
      continue;
    }
    const ranked = recommender.recommend(user, DEPTH).items;
    lists.push(ranked);
    if (heldOutCount > 0) {
      warmUsers.push(user);
      warmRankings.push(ranked);
    }
  }
  const warm = scoreSlice(heldOut, warmUsers, warmRankings, input);
  let cold: SliceEvaluation | null = null;
  if (coldStart && coldUsers.length > 0) {
    const empty = new Uint32Array(0);
    const coldRankings = coldUsers.map(() => coldStart.recommendFromLiked(empty, DEPTH).items);
    cold = scoreSlice(heldOut, coldUsers, coldRankings, input);
  }
  return { warm, cold, ...listMetrics(recommender, lists) };
}

/** The list metrics of every user the recommender knows (a deployed model: everybody its history holds). */
export function listsOfKnownUsers(recommender: Recommender): ListMetrics {
  const lists: Uint32Array[] = [];
  for (let user = 0; user < recommender.catalogue.seen.rows; user++) {
    if (recommender.knowsUser(user)) lists.push(recommender.recommend(user, DEPTH).items);
  }
  return listMetrics(recommender, lists);
}

/** Coverage over the top-100s and step 10 over the top-10s; novelty's popularity is the model's own history. */
function listMetrics(recommender: Recommender, lists: readonly Uint32Array[]): ListMetrics {
  const { seen, inCatalogue } = recommender.catalogue;
  const coverage100 = new CoverageCounter(inCatalogue, DEPTH);
  const coverage20 = new CoverageCounter(inCatalogue, 20);
  for (const ranked of lists) {
    coverage100.add(ranked);
    coverage20.add(ranked);
  }
  const likedBy = new Uint32Array(seen.cols);
  for (let user = 0; user < seen.rows; user++) for (const item of new Set(rowIndices(seen, user))) likedBy[item]++;
  const attributes = recommender.attributes;
  const beyond = beyondAccuracy({
    lists,
    likedBy,
    users: lists.length,
    itemGenres: attributes?.itemGenres,
    genres: attributes?.genres.length,
  });
  return { coverage: { 'coverage@100': coverage100.value, 'coverage@20': coverage20.value }, beyond };
}

function scoreSlice(heldOut: Csr, users: number[], rankings: Uint32Array[], input: EvaluationInput): SliceEvaluation {
  const perUser = metricColumns(users.length);
  for (let u = 0; u < users.length; u++) scoreUserRanking(rankings[u], rowIndices(heldOut, users[u]), perUser, u);
  return {
    ...summarize(perUser, input.bootstrap),
    userIndices: Uint32Array.from(users),
    perUser,
    ...(input.keepRankings ? { rankings } : {}),
  };
}
