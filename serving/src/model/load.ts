import path from 'node:path';
import { type Bundle, readBundle } from '@recsys/core/bundle/reader';
import { loadFallback } from '@recsys/core/model-files';
import { type AnnMode, openApproximateSearch } from '@recsys/core/recommender/approximate';
import { loadRecommender } from '@recsys/core/recommender/load';
import { PopularityScorer } from '@recsys/core/recommender/popularity';
import { Recommender } from '@recsys/core/recommender/recommender';
import { popularityFromSeen, SERVING_FILES } from './bundle-files.ts';
import type { MovieInfo } from './handle.ts';
import { RecommenderModel } from './recommender-model.ts';

export interface ModelLoadOptions {
  /** Answer /recommend and /similar from the bundle's usearch indexes: `auto` from the bundle's `min_items` on. */
  ann?: AnnMode;
}

/** Reads and verifies `<store>/<model>/<version>/` (every sha256), then builds the model serving answers with. */
export async function loadModel(
  store: string,
  modelName: string,
  version: string,
  options: ModelLoadOptions = {},
): Promise<RecommenderModel> {
  const bundle = await readBundle(path.join(store, modelName, version));
  return modelFromBundle(bundle, options);
}

export function modelFromBundle(bundle: Bundle, options: ModelLoadOptions = {}): RecommenderModel {
  const { manifest } = bundle;
  const where = `bundle ${manifest.model_name}/${manifest.version}`;
  for (const name of [SERVING_FILES.userIds, SERVING_FILES.items]) {
    if (!bundle.has(name)) {
      throw new Error(
        `${where} has no ${name}, which serving needs to answer in MovieLens ids; re-export it with recsys train (core MODEL_FILES)`,
      );
    }
  }
  const exact = loadRecommender(bundle);
  const { scorer, catalogue, attributes } = exact;
  const approximate = openApproximateSearch(bundle, scorer, catalogue.movieIds, options.ann ?? 'auto');
  const recommender = approximate ? new Recommender(scorer, catalogue, attributes, approximate) : exact;
  const counts = bundle.has(SERVING_FILES.popularity)
    ? Float32Array.from(bundle.u32(SERVING_FILES.popularity))
    : popularityFromSeen(catalogue);
  const popular = new Recommender(new PopularityScorer(counts, { variant: 'all_time' }), catalogue, attributes);
  const trending = bundle.has(SERVING_FILES.trending)
    ? new Recommender(
        new PopularityScorer(Float32Array.from(bundle.u32(SERVING_FILES.trending)), { variant: 'trending' }),
        catalogue,
        attributes,
      )
    : undefined;
  // The cold-start fallback the trainer chose on cold users (popular or trending); plain popularity when absent.
  const coldStart = loadFallback(bundle, catalogue, recommender) ?? popular;
  return new RecommenderModel({
    info: {
      name: manifest.model_name,
      version: manifest.version,
      type: manifest.model_type,
      created_at: manifest.created_at,
      loaded_at: new Date().toISOString(),
      data_start: dataStart(manifest.dataset.cutoffs.data_start),
    },
    recommender,
    coldStart,
    popular,
    trending,
    userIds: bundle.u32(SERVING_FILES.userIds),
    items: bundle.json<MovieInfo[]>(SERVING_FILES.items),
  });
}

/** The manifest's `data_start` cutoff in epoch seconds; bundles written before it was recorded have none. */
function dataStart(iso: string | undefined): number | null {
  return iso === undefined ? null : Math.floor(Date.parse(iso) / 1000);
}
