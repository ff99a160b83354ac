import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { crashPoint } from '@recsys/core/bundle/crash';
import { readEventStream, shownUrl } from '@recsys/core/events/event-stream';
import { readEventLogs } from '@recsys/core/logs/read';
import type { PromotionDecision } from '@recsys/core/promotion/gate';
import type { PromotionPolicy } from '@recsys/core/promotion/policy';
import { catalogueFromBundle } from '@recsys/core/recommender/catalogue';
import { type ArchiveName, fetchArchive, isArchiveName } from '../data/download.ts';
import { prepareDataset } from '../data/prepare.ts';
import { MANIFEST_FILE, readPrepared } from '../data/prepared.ts';
import { PROTOCOL_THRESHOLDS, type Thresholds } from '../data/protocol.ts';
import { openVersion } from '../promotion/contender.ts';
import { promote } from '../promotion/promote.ts';
import { Registry } from '../registry/registry.ts';
import type { SelectionRule } from '../train/selection.ts';
import { type TrainOptions, type TrainResult, train } from '../train/train.ts';
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
  /**
   * The event stream serving replicas share (a postgres:// URL, password in PGPASSWORD): its table is read instead of
   * event logs, each stored event once.
   */
  eventStream?: string;
  /** Thresholds replacing the protocol's (a RecModel's `spec.dataset`). */
  thresholds?: Partial<Thresholds>;
  /** Scratch space of the retraining job: merged sources and prepared datasets, named by content. */
  workDir: string;
  store: string;
  modelName: string;
  families?: string[];
  budget?: number;
  familyBudgets?: Record<string, number>;
  /** Bytes one fit's model arrays may take (`recsys train --memory-budget`); the container's by default. */
  memoryBudget?: number;
  selection?: SelectionRule;
  /** Rolling-origin validation folds (`recsys train --folds`). */
  folds?: number;
  policy?: PromotionPolicy;
  trackingUri?: string;
  onProgress?: (message: string) => void;
  /** The training search's own progress (families, trials), for a progress line. */
  onTrainProgress?: TrainOptions['onProgress'];
}

/** A trained candidate, not yet gated: what the local runtime's training run hands to its gate step. */
export interface CandidateResult {
  version: string;
  /** Production when the candidate was trained (its parent), null for the first model. */
  production_version: string | null;
  /** The candidate's validation metrics (from its manifest). */
  metrics: Record<string, number>;
  ingested: {
    events: number;
    added: number;
    replaced: number;
    unlisted_movies: number[];
    rejected: number;
    /** Corrupt event-log files moved into `quarantine/` (their interactions are not used). */
    quarantined: string[];
    /** With an event stream: the last event id read (the retrain saw every event up to it); null for event logs. */
    through: number | null;
  };
  /** Movies the Production model could not recommend before this retrain and the new version can. */
  newly_learnable: number[];
  dataset: { dir: string; fingerprint: string; interactions: { train: number; validation: number; test: number } };
  train: Pick<TrainResult, 'best' | 'models'>;
  seconds: { ingest: number; prepare: number; train: number; total: number };
}

export interface RetrainResult extends Omit<CandidateResult, 'seconds'> {
  decision: PromotionDecision;
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
  const started = performance.now();
  const candidate = await trainCandidate(options);
  const gateStart = performance.now();
  const { decision } = await promote({
    store: options.store,
    modelName: options.modelName,
    version: candidate.version,
    policy: options.policy,
    onProgress: say,
  });
  say(decision.summary);
  crashPoint('retrain:decided');
  const end = performance.now();
  return {
    ...candidate,
    decision,
    seconds: { ...candidate.seconds, gate: (end - gateStart) / 1000, total: (end - started) / 1000 },
  };
}

/**
 * The retrain up to a registered candidate (ingest, merge, split, train, track), without the gate: the local
 * runtime gates and applies it as separate steps, as the cluster runs a trainer Job and then a gate Job.
 */
export async function trainCandidate(options: RetrainOptions): Promise<CandidateResult> {
  const say = options.onProgress ?? (() => {});
  const clock = stopwatch();

  if (options.eventStream && options.eventLogDir) {
    throw new Error('a retrain reads one event source: the event stream or the event-log directory, not both');
  }
  const { events, quarantined, through } = options.eventStream
    ? await ingestStream(options.eventStream, say)
    : { ...ingest(options.eventLogDir, say), through: null };
  say(`ingested ${events.length} posted interaction(s)`);
  crashPoint('retrain:ingested');

  const base = isArchiveName(options.source) ? await download(options.source, say) : options.source;
  const merged = mergeSources({
    base,
    until: options.until,
    extra: events,
    outRoot: path.join(options.workDir, 'sources'),
  });
  crashPoint('retrain:merged');
  const ingestSeconds = clock.lap();

  // Named by content and thresholds: the same merged ratings prepared another way are another dataset.
  const thresholds = { ...PROTOCOL_THRESHOLDS, ...options.thresholds };
  const datasetKey = createHash('sha256').update(merged.digest).update(JSON.stringify(thresholds)).digest('hex');
  const datasetDir = path.join(options.workDir, 'datasets', datasetKey.slice(0, 16));
  if (!existsSync(path.join(datasetDir, MANIFEST_FILE))) {
    await prepareDataset({ source: merged.dir, out: datasetDir, thresholds });
  }
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
    familyBudgets: options.familyBudgets,
    memoryBudget: options.memoryBudget,
    selection: options.selection,
    folds: options.folds,
    trackingUri: options.trackingUri,
    parentVersion: previous,
    onProgress: options.onTrainProgress,
  });
  say(`trained ${trained.best} as ${trained.version}`);
  crashPoint('retrain:trained');
  const trainSeconds = clock.lap();

  const bundle = await openVersion(options.store, options.modelName, trained.version);
  const after = await rankableMovies(options.store, options.modelName, trained.version);
  const learnable = before ? [...after].filter((movie) => !before.has(movie)).sort((a, b) => a - b) : [];
  return {
    version: trained.version,
    production_version: previous,
    metrics: validationMetrics(bundle.manifest.metrics),
    ingested: {
      events: events.length,
      added: merged.added,
      replaced: merged.replaced,
      unlisted_movies: merged.unlistedMovies,
      rejected: merged.rejected,
      quarantined,
      through,
    },
    newly_learnable: learnable,
    dataset: { dir: datasetDir, fingerprint: data.manifest.fingerprint, interactions: data.manifest.interactions },
    train: { best: trained.best, models: trained.models },
    seconds: { ingest: ingestSeconds, prepare: prepareSeconds, train: trainSeconds, total: clock.total() },
  };
}

/**
 * Every posted interaction of the event logs. A corrupt file is quarantined and reported (as serving does), so it
 * blocks no retrain; a file that cannot be read for another reason (busy, half-created) stops the retrain instead of
 * losing its interactions.
 */
function ingest(
  eventLogDir: string | undefined,
  say: (line: string) => void,
): { events: NewInteraction[]; quarantined: string[] } {
  if (!eventLogDir || !existsSync(eventLogDir)) return { events: [], quarantined: [] };
  const { rows, problems, quarantined } = readEventLogs(eventLogDir, { quarantine: true });
  for (const q of quarantined)
    say(`quarantined corrupt event log ${q.file}: ${q.error}; its interactions are not used`);
  if (problems.length > 0) {
    throw new Error(
      `cannot read every event log in ${eventLogDir}: ${problems.map((p) => `${p.file}: ${p.error}`).join('; ')}; ` +
        'retraining without them would lose interactions',
    );
  }
  return {
    events: rows.map(({ user_id, movie_id, rating, timestamp }) => ({ user_id, movie_id, rating, timestamp })),
    quarantined: quarantined.map((q) => q.file),
  };
}

/** Every event the stream holds up to its newest id when the read began, each once (one row per event id). */
async function ingestStream(
  url: string,
  say: (line: string) => void,
): Promise<{ events: NewInteraction[]; quarantined: string[]; through: number }> {
  let read: Awaited<ReturnType<typeof readEventStream>>;
  try {
    read = await readEventStream(url);
  } catch (err) {
    throw new Error(`cannot read the event stream ${shownUrl(url)}: ${(err as Error).message}`);
  }
  say(`read the event stream ${shownUrl(url)} up to id ${read.through}`);
  return {
    events: read.rows.map(({ user_id, movie_id, rating, timestamp }) => ({ user_id, movie_id, rating, timestamp })),
    quarantined: [],
    through: read.through,
  };
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

/** An official archive's unpacked directory (cached after the first download), with a progress line a second. */
function download(name: ArchiveName, say: (message: string) => void): Promise<string> {
  let last = 0;
  return fetchArchive(name, {
    onProgress: (done, total) => {
      if (performance.now() - last < 1000) return;
      last = performance.now();
      say(`downloading ${name}: ${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`);
    },
  });
}

function validationMetrics(metrics: { validation: Record<string, number> }): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics.validation).filter(([, value]) => typeof value === 'number'));
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
