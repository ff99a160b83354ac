import type { FlatMetrics } from '../evaluate/report.ts';
import type { Tracker } from '../tracking/tracker.ts';
import type { Params } from './family.ts';
import type { Trial } from './search.ts';

/** What a tracker was told about one `recsys train`, for the result and the CLI. */
export interface TrackingReport {
  backend: 'embedded' | 'mlflow';
  run_id: string | null;
  /** Set when the backend could not take everything; the spool keeps it for `resend`. */
  error: string | null;
}

export interface TrainRecord {
  experiment: string;
  modelName: string;
  version: string;
  bundleDir: string;
  fingerprint: string;
  trials: Trial[];
  winner: {
    family: string;
    params: Params;
    validation: FlatMetrics;
    test: FlatMetrics;
    cold: FlatMetrics | null;
    deployed: Record<string, number>;
  };
}

/**
 * R9: every candidate the search tried becomes a run (params + validation metrics), and the exported winner
 * a run with its test and cold numbers, the bundle as artifacts (manifest, embeddings, index) and a model
 * version at stage None. Tracking mirrors; the store's registry decides — so a tracker failure is reported,
 * kept in its spool, and never undoes the export.
 */
export async function trackTraining(tracker: Tracker, record: TrainRecord): Promise<TrackingReport> {
  const tags = {
    dataset_fingerprint: record.fingerprint,
    model_name: record.modelName,
    bundle_version: record.version,
  };
  let runId: string | null = null;
  try {
    for (const trial of record.trials) {
      const run = await tracker.startRun({
        experiment: record.experiment,
        runName: `${trial.family} trial`,
        tags: { ...tags, kind: 'trial', eligible: String(trial.verdict.eligible), why: trial.verdict.why.join('; ') },
      });
      await run.logParams({ family: trial.family, ...paramValues(trial.params) });
      await run.logMetrics({
        ...prefixed('validation', numbers(trial.validation)),
        eligible: trial.verdict.eligible ? 1 : 0,
      });
      await run.end('FINISHED');
    }
    const run = await tracker.startRun({
      experiment: record.experiment,
      runName: `${record.winner.family} ${record.version}`,
      tags: { ...tags, kind: 'export' },
    });
    await run.logParams({ family: record.winner.family, ...paramValues(record.winner.params) });
    await run.logMetrics({
      ...prefixed('validation', numbers(record.winner.validation)),
      ...prefixed('test', numbers(record.winner.test)),
      ...(record.winner.cold ? prefixed('cold', numbers(record.winner.cold)) : {}),
      ...prefixed('deployed', numbers(record.winner.deployed)),
    });
    await run.logArtifact(record.bundleDir, 'bundle');
    await run.end('FINISHED');
    runId = run.runId;
    // logArtifact keeps the directory's name: the bundle lands at bundle/<version>/.
    const artifactPath = `bundle/${record.version}`;
    await tracker.registerVersion({ modelName: record.modelName, runId, version: record.version, artifactPath });
    return { backend: tracker.backend, run_id: runId, error: null };
  } catch (err) {
    return { backend: tracker.backend, run_id: runId, error: (err as Error).message };
  }
}

function paramValues(params: Params): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v === null ? 'null' : v]));
}

/** The finite numbers of a record (a metric that does not apply, such as genre diversity without genres, is NaN). */
function numbers(values: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(values).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])),
  );
}

function prefixed(prefix: string, values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}.${k}`, v]));
}
