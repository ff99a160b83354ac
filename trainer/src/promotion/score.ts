import { mean } from '@recsys/core/metrics/bootstrap';
import { CoverageCounter } from '@recsys/core/metrics/coverage';
import { DEPTH, USER_METRICS } from '@recsys/core/metrics/keys';
import { metricColumns, scoreUserRanking } from '@recsys/core/metrics/ranking';
import type { GateScore, GateWindow } from '@recsys/core/promotion/gate';
import type { Recommender } from '@recsys/core/recommender/recommender';
import type { PreparedDataset } from '../data/dataset.ts';
import { isoTime } from '../train/window.ts';
import { describeWindow, gateEvents } from './window.ts';

/** One side of the gate: a loaded model in its own index space, and how its indices map to MovieLens ids. */
export interface GateContender {
  version: string;
  /** End of the interactions this model was fit on, epoch seconds. */
  fitCutoff: number;
  recommender: Recommender;
  /** Model user index → MovieLens user id. */
  userIds: Uint32Array;
  /** Serves users with no history the model can use (popular / trending); the serving fallback. */
  coldStart: Recommender;
}

export interface GateEvaluation {
  window: GateWindow;
  candidate: GateScore;
  production: GateScore;
  /** MovieLens ids of the evaluated users, aligned with both `per_user_primary` columns. */
  users: Uint32Array;
}

const PRIMARY = 'ndcg@10';

/**
 * Scores the candidate and the Production model on the same gate window, as each would serve: a user the
 * model knows gets the personalised path, anyone else is folded in from their history before the window
 * (mapped by MovieLens id; movies the model never saw are dropped), or the cold-start path without any.
 * Per-user values are paired by user so the gate can bootstrap the difference.
 */
export function scoreGate(data: PreparedDataset, candidate: GateContender, production: GateContender): GateEvaluation {
  const events = gateEvents(data, [candidate.fitCutoff, production.fitCutoff]);
  const { user, item } = data.events;
  const movieIds = data.movieIds;

  const history: number[][] = Array.from({ length: data.userIds.length }, () => []);
  for (let e = 0; e < events.first; e++) history[user[e]].push(movieIds[item[e]]);
  const relevant: number[][] = Array.from({ length: data.userIds.length }, () => []);
  for (let e = events.first; e < events.end; e++) relevant[user[e]].push(movieIds[item[e]]);

  const evaluated: number[] = [];
  const withHistory: number[] = [];
  for (let u = 0; u < history.length; u++) {
    if (history[u].length === 0) continue;
    withHistory.push(u);
    if (relevant[u].length > 0) evaluated.push(u);
  }
  const users = Uint32Array.from(evaluated, (u) => data.userIds[u]);
  const window = describeWindow(data, events, evaluated.length);
  const score = (contender: GateContender) =>
    scoreContender(contender, withHistory, evaluated, (u) => data.userIds[u], history, relevant);
  return { window, candidate: score(candidate), production: score(production), users };
}

function scoreContender(
  contender: GateContender,
  withHistory: number[],
  evaluated: number[],
  mlUserOf: (u: number) => number,
  history: number[][],
  relevant: number[][],
): GateScore {
  const { recommender } = contender;
  const modelItems = recommender.items;
  const itemIndex = indexOf(recommender.catalogue.movieIds);
  const userIndex = indexOf(contender.userIds);

  const rank = (u: number): Uint32Array => {
    const known = userIndex.get(mlUserOf(u));
    if (known !== undefined && recommender.knowsUser(known)) return recommender.recommend(known, DEPTH).items;
    const liked = Uint32Array.from(
      history[u].map((movie) => itemIndex.get(movie)).filter((i): i is number => i !== undefined),
    );
    if (liked.length === 0) return contender.coldStart.recommendFromLiked(liked, DEPTH).items;
    return recommender.recommendFromLiked(liked, DEPTH).items;
  };

  const coverage100 = new CoverageCounter(recommender.catalogue.inCatalogue, DEPTH);
  const coverage20 = new CoverageCounter(recommender.catalogue.inCatalogue, 20);
  const columns = metricColumns(evaluated.length);
  let at = 0;
  const evaluatedSet = new Set(evaluated);
  for (const u of withHistory) {
    const ranked = rank(u);
    coverage100.add(ranked);
    coverage20.add(ranked);
    if (!evaluatedSet.has(u)) continue;
    // Movies the model has never seen still count in |relevant|: indices past its catalogue, never ranked.
    let unseen = modelItems;
    const truth = Uint32Array.from(relevant[u], (movie) => itemIndex.get(movie) ?? unseen++);
    scoreUserRanking(ranked, truth, columns, at++);
  }
  const metrics: Record<string, number> = {};
  for (const key of USER_METRICS) metrics[key] = mean(columns[key]);
  metrics['coverage@100'] = coverage100.value;
  metrics['coverage@20'] = coverage20.value;
  return {
    version: contender.version,
    fit_cutoff: isoTime(contender.fitCutoff),
    metrics,
    per_user_primary: columns[PRIMARY],
  };
}

/** MovieLens id → index, for ids stored by index. */
function indexOf(ids: Uint32Array): Map<number, number> {
  const index = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) index.set(ids[i], i);
  return index;
}
