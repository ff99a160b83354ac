import { type RecModel, RUNTIME_EVENT_STREAM } from './types.ts';

/** Where a runtime keeps what training reads and writes (local: under --var; cluster: on the artifact volume). */
export interface TrainingPlaces {
  store: string;
  /** Scratch space for merged sources and prepared datasets. */
  workDir: string;
  /** Where serving writes its event logs: what a retrain ingests unless spec.dataset.eventLogs names another. */
  serveLogs: string;
  /** The URL of the PostgreSQL this runtime runs, which `spec.serving.eventStream: postgres` means; none when absent. */
  eventStream?: string;
}

/** A retrain as a RecModel describes it: the inputs of `recsys retrain`, named as the trainer names them. */
export interface TrainingRequest {
  source: string;
  /** Either the event logs of serving processes or the event stream they share: where new interactions are read. */
  eventLogs?: string;
  eventStream?: string;
  store: string;
  workDir: string;
  model: string;
  families: { name: string; budget?: number }[];
  /** Trials per family; absent: each family its own default. */
  budget?: number;
  /** A Kubernetes quantity (e.g. 2Gi) bounding one fit's model arrays; the process's own limit decides when absent. */
  memoryBudget?: string;
  minCoverage: number;
  maxJaccard: number;
  /** Rolling-origin validation folds; absent: each family its own default. */
  folds?: number;
  thresholds: { positiveRating: number; minUserPositives: number; minItemPositives: number; iterative: boolean };
  trackingUri?: string;
}

/** The one translation of a RecModel spec into a retrain; `trainingArgs` renders it for a process. */
export function trainingRequest(recModel: RecModel, places: TrainingPlaces): TrainingRequest {
  const { dataset, models, selection, tracking } = recModel.spec;
  const eventStream = eventStreamUrl(recModel.spec.serving.eventStream, places);
  return {
    source: dataset.source,
    eventLogs: eventStream ? undefined : (dataset.eventLogs ?? places.serveLogs),
    eventStream,
    store: places.store,
    workDir: places.workDir,
    model: recModel.metadata.name,
    families: models.families,
    budget: models.budget,
    memoryBudget: models.memoryBudget,
    minCoverage: selection.minCoverage,
    maxJaccard: selection.maxJaccard,
    folds: selection.folds,
    thresholds: {
      positiveRating: dataset.positiveRating,
      minUserPositives: dataset.minUserPositives,
      minItemPositives: dataset.minItemPositives,
      iterative: dataset.iterative,
    },
    trackingUri: tracking.backend === 'mlflow' ? tracking.uri : undefined,
  };
}

/**
 * The URL `spec.serving.eventStream` (`wanted`) names: its own, or for `postgres` the engine this runtime runs (an error when it
 * runs none). Undefined: no stream, each serving process keeps its own event log.
 */
export function eventStreamUrl(
  wanted: string | undefined,
  places: Pick<TrainingPlaces, 'eventStream'>,
): string | undefined {
  if (wanted !== RUNTIME_EVENT_STREAM) return wanted;
  if (places.eventStream) return places.eventStream;
  throw new Error(
    `spec.serving.eventStream is ${RUNTIME_EVENT_STREAM} but this runtime runs no PostgreSQL: enable the chart's eventStream (eventStream.enabled=true), or name a server (postgres://user@host:5432/database)`,
  );
}

/**
 * The `recsys` arguments of a training run: a retrain that ingests, merges, prepares, searches and registers a
 * candidate, leaving the gate to the runtime. Both runtimes run exactly these (a child process locally, the trainer
 * Job's container in a cluster), adding `--run <name>` so the result lands in the run's directory.
 */
export function trainingArgs(recModel: RecModel, places: TrainingPlaces): string[] {
  const request = trainingRequest(recModel, places);
  const { thresholds } = request;
  const args = [
    'retrain',
    '--candidate-only',
    ...['--source', request.source],
    ...(request.eventStream ? ['--event-stream', request.eventStream] : []),
    ...(request.eventLogs ? ['--event-logs', request.eventLogs] : []),
    ...['--store', request.store, '--work-dir', request.workDir, '--model', request.model],
    ...['--models', request.families.map((f) => (f.budget === undefined ? f.name : `${f.name}:${f.budget}`)).join(',')],
    ...['--min-coverage', String(request.minCoverage), '--max-jaccard', String(request.maxJaccard)],
    ...['--positive-rating', String(thresholds.positiveRating)],
    ...['--min-user-positives', String(thresholds.minUserPositives)],
    ...['--min-item-positives', String(thresholds.minItemPositives)],
  ];
  if (thresholds.iterative) args.push('--iterative');
  if (request.budget !== undefined) args.push('--budget', String(request.budget));
  if (request.folds !== undefined) args.push('--folds', String(request.folds));
  if (request.memoryBudget) args.push('--memory-budget', request.memoryBudget);
  if (request.trackingUri) args.push('--tracking-uri', request.trackingUri);
  return args;
}
