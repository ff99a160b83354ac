import path from 'node:path';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { Recommender } from '@recsys/core/recommender/recommender';
import { type RunningService, serve } from '@recsys/serving/serve';
import { writeServingBundle } from '@recsys/serving/testing/write-bundle';
import type { PreparedDataset } from '@recsys/trainer/data/dataset';
import { prepareDataset } from '@recsys/trainer/data/prepare';
import { readPrepared } from '@recsys/trainer/data/prepared';
import { synthesize } from '@recsys/trainer/data/synth';
import { fitItemKnn } from '@recsys/trainer/models/itemknn/fit';

/** The write key the fixture API accepts and the site fixture is given (RECSYS_API_KEY). */
export const SITE_API_KEY = 'site-test-key-0123456789';

/** A real API serving an item-kNN bundle fitted on small synthetic MovieLens-shaped data. */
export interface SyntheticApi {
  url: string;
  port: number;
  version: string;
  data: PreparedDataset;
  /** Stops the API (the site sees it go down); `start` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startSyntheticApi(dir: string, options: { port?: number } = {}): Promise<SyntheticApi> {
  const raw = path.join(dir, 'synth');
  const prepared = path.join(dir, 'prepared');
  synthesize({ users: 300, items: 200, interactions: 15_000, seed: 7, out: raw });
  await prepareDataset({ source: raw, out: prepared });
  const data = readPrepared(prepared);
  asMovieLensSpellsIt(data);
  const store = path.join(dir, 'store');
  const { version } = await writeServingBundle({
    store,
    modelName: 'movies',
    recommender: itemKnnRecommender(data),
    tables: {
      userIds: data.userIds,
      items: data.items,
      popularity: data.popularity.count,
      trending: data.popularity.trending,
    },
  });
  let running: RunningService | undefined;
  let port = options.port ?? 0;
  const start = async () => {
    running = await serve({
      store,
      version,
      port,
      logDir: path.join(dir, 'logs'),
      apiKeysEnv: SITE_API_KEY,
      say: () => {},
    });
    port = Number(new URL(running.url).port);
  };
  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    version,
    data,
    stop: async () => {
      await running?.close(1000);
      running = undefined;
    },
    start,
  };
}

/** Titles that end in their article, per language. */
export const ARTICLES_LAST = ['The', 'La', 'Il', 'Das'];
/** Pairs of the most popular movies that share a title and year, as 18 titles of MovieLens 100K do. */
export const DUPLICATED_PAIRS = 5;

/**
 * The synthetic titles ("The Quiet River 12 (1995)") spelled as MovieLens spells titles: most with the article
 * last, in four languages ("Quiet River 12, The (1995)", "Quiet River 13, La (1995)"), and the ten most popular
 * movies as five pairs that share one title and year ("Body Snatchers (1993)" has two ids in MovieLens 100K).
 */
function asMovieLensSpellsIt(data: PreparedDataset): void {
  data.items.forEach((item, i) => {
    const name = item.title.replace(/^The /, '').replace(/\s*\(\d{4}\)$/, '');
    const article = ARTICLES_LAST[i % ARTICLES_LAST.length];
    item.title = item.year === null ? `${name}, ${article}` : `${name}, ${article} (${item.year})`;
  });
  const byPopularity = data.items.map((_, i) => i).sort((a, b) => data.popularity.count[b] - data.popularity.count[a]);
  for (let pair = 0; pair < DUPLICATED_PAIRS; pair++) {
    const [first, second] = [data.items[byPopularity[2 * pair]], data.items[byPopularity[2 * pair + 1]]];
    second.title = first.title;
    second.year = first.year;
  }
}

/** Item-item cosine fitted by the trainer's own code on the prepared fit window. */
function itemKnnRecommender(data: PreparedDataset): Recommender {
  return new Recommender(fitItemKnn(data.fit, { neighbours: 50 }), catalogueFromFit(data.fit, data.movieIds), {
    genres: data.manifest.genres,
    itemGenres: data.itemGenres,
    years: Uint16Array.from(data.items, (item) => item.year ?? 0),
  });
}
