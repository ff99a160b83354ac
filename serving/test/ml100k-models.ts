import { alsScorer } from '@recsys/core/recommender/als';
import { BlendScorer } from '@recsys/core/recommender/blend';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import type { ItemAttributes } from '@recsys/core/recommender/filters';
import { Recommender } from '@recsys/core/recommender/recommender';
import type { PreparedDataset } from '@recsys/trainer/data/dataset';
import { prepareDataset } from '@recsys/trainer/data/prepare';
import { readPrepared } from '@recsys/trainer/data/prepared';
import { fitAls } from '@recsys/trainer/models/als/fit';
import { fitItemKnn } from '@recsys/trainer/models/itemknn/fit';
import { fitPopularity } from '@recsys/trainer/models/popularity/fit';
import type { ServingTables } from '../src/model/bundle-files.ts';

/** ml-100k prepared by the trainer (test-only: serving itself depends on core alone). */
export async function prepareMl100k(source: string, out: string): Promise<PreparedDataset> {
  await prepareDataset({ source, out });
  return readPrepared(out);
}

export function servingTables(data: PreparedDataset): ServingTables {
  return {
    userIds: data.userIds,
    items: data.items,
    popularity: data.popularity.count,
    trending: data.popularity.trending,
  };
}

function attributes(data: PreparedDataset): ItemAttributes {
  return {
    genres: data.manifest.genres,
    itemGenres: data.itemGenres,
    years: Uint16Array.from(data.items, (item) => item.year ?? 0),
  };
}

export type ModelKind = 'popularity' | 'itemknn' | 'als' | 'blend';

/** A recommender of each kind fitted with the trainer's real fitting code on the prepared fit window. */
export function fitRecommender(data: PreparedDataset, kind: ModelKind, seed = 1): Recommender {
  const catalogue = catalogueFromFit(data.fit, data.movieIds);
  const { train, validation } = data.manifest.interactions;
  const fitItems = data.events.item.subarray(0, train + validation);
  const als = () => {
    const model = fitAls(data.fit, { factors: 16, regularization: 0.05, iterations: 4, cgSteps: 3, seed, threads: 1 });
    return alsScorer(model, { confidence: 2, regularization: 0.05 });
  };
  const scorer =
    kind === 'popularity'
      ? fitPopularity(fitItems, data.fit.cols)
      : kind === 'itemknn'
        ? fitItemKnn(data.fit, { neighbours: 50 })
        : kind === 'als'
          ? als()
          : new BlendScorer(
              [
                { scorer: als(), weight: 1 },
                { scorer: fitPopularity(fitItems, data.fit.cols, { window: 0.15 }), weight: 0.5 },
              ],
              catalogue.inCatalogue,
            );
  return new Recommender(scorer, catalogue, attributes(data));
}
