import { existsSync } from 'node:fs';
import path from 'node:path';
import { crashPoint } from '@recsys/core/bundle/crash';
import { readEventLogs } from '@recsys/core/logs/read';
import type { PromotionDecision } from '@recsys/core/promotion/gate';
import type { PromotionPolicy } from '@recsys/core/promotion/policy';
import { catalogueFromBundle } from '@recsys/core/recommender/catalogue';
import { prepareDataset } from '../data/prepare.ts';
import { MANIFEST_FILE, readPrepared } from '../data/prepared.ts';
import { openVersion } from '../promote/contender.ts';
import { promote } from '../promote/promote.ts';
import { Registry } from '../registry/registry.ts';
import type { SelectionRule } from '../train/search.ts';
import { type TrainResult, train } from '../train/train.ts';
import { mergeSources, type NewInteraction } from './merge.ts';

/** The named steps a crash hook (`RECSYS_CRASH_AT=<step>`) can stop a retrain at, in order. */
export const RETRAIN_CRASH_STEPS = [
  'retrain:ingested',
  'retrain:merged',
  'retrain:prepared',
  'retrain:trained',
  'retrain:decided',
] as const;

export interface RetrainOptions {
  /** The base MovieLens source (a directory; the archive names are downloaded by `recsys data prepare`). */
  source: string;
  /** Only base ratings before this time (epoch seconds): "the data as it was then", for simulations. */
  until?: number;
  /** Where serving writes its event logs (`POST /interactions`); absent or empty means no new interactions. */
  eventLogDir?: string;
  /** Scratch space of the retraining job: merged sources and prepared datasets, named by content. */
  workDir: string;
  store: string;
  modelName: string;
  families?: string[];
  budget?: number;
  selection?: SelectionRule;
  policy?: PromotionPolicy;
  trackingUri?: string;
  onProgress?: (message: string) => void;
}

export interface RetrainResult {
  version: string;
  decision: PromotionDecision;
  ingested: { events: number; added: number; replaced: number; unlisted_movies: number[] };
  /** Movies the Production model could not recommend before this retrain and the new version can. */
  newly_learnable: number[];
  dataset: { dir: string; fingerprint: string; interactions: { train: number; validation: number; test: number } };
  train: Pick<TrainResult, 'best' | 'models'>;
  seconds: { ingest: number; prepare: number; train: number; gate: number; total: number };
}

/**
 * R23, one retraining run: ingest what serving collected, merge it with the base data, recompute the split,
 * retrain every family within its budget, track it, and apply the leak-free gate against Production —
 * promoting (the following server swaps) or retaining, with the decision recorded either way. Every step
 * is atomic on disk, so a crash at any point leaves Production serving and the next run starts clean.
 */
export async function retrain(options: RetrainOptions): Promise<RetrainResult> {
  const say = options.onProgress ?? (() => {});
  const clock = stopwatch();

  const events = ingest(options.eventLogDir);
  say(`ingested ${events.length} posted interaction(s)`);
  crashPoint('retrain:ingested');

  const merged = mergeSources({
    base: options.source,
    until: options.until,
    extra: events,
    outRoot: path.join(options.workDir, 'sources'),
  });
  crashPoint('retrain:merged');
  const ingestSeconds = clock.lap();

  const datasetDir = path.join(options.workDir, 'datasets', merged.digest.slice(0, 16));
  if (!existsSync(path.join(datasetDir, MANIFEST_FILE))) await prepareDataset({ source: merged.dir, out: datasetDir });
  const data = readPrepared(datasetDir);
  say(`prepared ${describe(data.manifest.interactions)}`);
  crashPoint('retrain:prepared');
  const prepareSeconds = clock.lap();

  const previous = productionVersion(options.store, options.modelName);
  const before = previous ? await rankableMovies(options.store, options.modelName, previous) : null;
  const trained = await train({
    data: datasetDir,
    store: options.store,
    modelName: options.modelName,
    families: options.families,
    budget: options.budget,
    selection: options.selection,
    trackingUri: options.trackingUri,
    parentVersion: previous,
  });
  say(`trained ${trained.best} as ${trained.version}`);
  crashPoint('retrain:trained');
  const trainSeconds = clock.lap();

  const { decision } = await promote({
    store: options.store,
    modelName: options.modelName,
    version: trained.version,
    policy: options.policy,
  });
  say(decision.summary);
  crashPoint('retrain:decided');
  const gateSeconds = clock.lap();

  const after = await rankableMovies(options.store, options.modelName, trained.version);
  const learnable = before ? [...after].filter((movie) => !before.has(movie)).sort((a, b) => a - b) : [];
  return {
    version: trained.version,
    decision,
    ingested: {
      events: events.length,
      added: merged.added,
      replaced: merged.replaced,
      unlisted_movies: merged.unlistedMovies,
    },
    newly_learnable: learnable,
    dataset: { dir: datasetDir, fingerprint: data.manifest.fingerprint, interactions: data.manifest.interactions },
    train: { best: trained.best, models: trained.models },
    seconds: {
      ingest: ingestSeconds,
      prepare: prepareSeconds,
      train: trainSeconds,
      gate: gateSeconds,
      total: clock.total(),
    },
  };
}

function ingest(eventLogDir: string | undefined): NewInteraction[] {
  if (!eventLogDir || !existsSync(eventLogDir)) return [];
  const { rows, problems } = readEventLogs(eventLogDir);
  if (problems.length > 0) {
    throw new Error(
      `cannot read every event log in ${eventLogDir}: ${problems.map((p) => `${p.file}: ${p.error}`).join('; ')}; ` +
        'retraining without them would lose interactions',
    );
  }
  return rows.map(({ user_id, movie_id, rating, timestamp }) => ({ user_id, movie_id, rating, timestamp }));
}

/** The movies a version can rank: its fit catalogue. */
async function rankableMovies(store: string, modelName: string, version: string): Promise<Set<number>> {
  const catalogue = catalogueFromBundle(await openVersion(store, modelName, version));
  return new Set(catalogue.movieIds.filter((_, i) => catalogue.inCatalogue[i] !== 0));
}

function productionVersion(store: string, modelName: string): string | null {
  const registry = Registry.open(store);
  try {
    return registry.production(modelName)?.version ?? null;
  } finally {
    registry.close();
  }
}

function describe(n: { train: number; validation: number; test: number }): string {
  return `${n.train} / ${n.validation} / ${n.test} interactions`;
}

function stopwatch() {
  const start = performance.now();
  let last = start;
  return {
    lap(): number {
      const now = performance.now();
      const seconds = (now - last) / 1000;
      last = now;
      return seconds;
    },
    total: () => (performance.now() - start) / 1000,
  };
}
