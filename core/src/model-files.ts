import { prefixedArrays } from './recommender/blend.ts';
import type { Catalogue } from './recommender/catalogue.ts';
import { loadRecommender, loadScorer, SCORER_FILE } from './recommender/load.ts';
import { Recommender } from './recommender/recommender.ts';
import type { BundleArrays, Scorer } from './recommender/scorer.ts';

/**
 * The model bundle's layout beyond one recommender's files (core's `recommenderFiles`): what serving needs to
 * answer in MovieLens ids, the cold-start fallback, and the train-only fit the promotion gate scores.
 */
export const MODEL_FILES = {
  /** MovieLens user id per user index of the fit data. */
  userIds: 'users.id.u32',
  /** Movie metadata per item index: movie_id, title, year, genres. */
  items: 'items.json',
  /** Positives per item in the fit window. */
  popularity: 'popularity.count.u32',
  /** Positives per item in the newest share of the fit window. */
  trending: 'popularity.trending.u32',
  /** Mean rating of each item's positives in the fit window. */
  meanRating: 'popularity.mean_rating.f32',
} as const;

/** The cold-start scorer (popular / trending) shares the serving catalogue; its files carry this prefix. */
export const FALLBACK_PREFIX = 'fallback.';
/** The train-only fit the gate scores (PROTOCOL.md, "Comparing two models"): a whole recommender, prefixed. */
export const GATE_PREFIX = 'gate.';

export interface MovieInfo {
  movie_id: number;
  title: string;
  year: number | null;
  genres: string[];
}

/** A scorer's own files under a prefix, for a scorer that reuses a catalogue already in the bundle. */
export function prefixedScorerFiles(scorer: Scorer, prefix: string): Record<string, unknown> {
  const { description, arrays } = scorer.bundleFiles();
  const files: Record<string, unknown> = { [prefix + SCORER_FILE]: description };
  for (const [name, value] of Object.entries(arrays)) files[prefix + name] = value;
  return files;
}

/** Every file of `files` under a prefix. */
export function prefixed(files: Record<string, unknown>, prefix: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(files).map(([name, value]) => [prefix + name, value]));
}

/** The cold-start recommender stored under `prefix` + FALLBACK_PREFIX, on the catalogue it shares. */
export function loadFallback(
  bundle: BundleArrays,
  catalogue: Catalogue,
  base: Recommender,
  prefix = '',
): Recommender | undefined {
  const arrays = prefixedArrays(bundle, prefix + FALLBACK_PREFIX);
  if (!arrays.has(SCORER_FILE)) return undefined;
  const scorer = loadScorer(arrays.json(SCORER_FILE) as { kind: string }, arrays, catalogue);
  return new Recommender(scorer, catalogue, base.attributes);
}

/** The train-only fit and its fallback, as the promotion gate scores them. */
export function loadGateRecommender(
  bundle: BundleArrays,
): { recommender: Recommender; fallback: Recommender } | undefined {
  const arrays = prefixedArrays(bundle, GATE_PREFIX);
  if (!arrays.has(SCORER_FILE)) return undefined;
  const recommender = loadRecommender(arrays);
  const fallback = loadFallback(bundle, recommender.catalogue, recommender, GATE_PREFIX);
  if (!fallback) throw new Error(`bundle: the gate fit has no ${GATE_PREFIX}${FALLBACK_PREFIX}${SCORER_FILE}`);
  return { recommender, fallback };
}
