/**
 * Experiment tracking (R9) and the tracker's model registry mirror (R10), one interface over two backends:
 * MLflow over its REST API and an embedded SQLite store. The store's registry decides what Production is;
 * a tracker records runs and mirrors those decisions.
 */

export type RunStatus = 'FINISHED' | 'FAILED' | 'KILLED';
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';
export const MODEL_STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** The alias that follows each stage that one version holds at a time (MLflow 3 deprecates stages for aliases). */
export const STAGE_ALIASES: Readonly<Partial<Record<ModelStage, string>>> = {
  Staging: 'staging',
  Production: 'production',
};

export type ParamValue = string | number | boolean;

export interface StartRunOptions {
  experiment: string;
  runName: string;
  tags?: Record<string, string>;
}

export interface RunHandle {
  /** The backend's run id; registerVersion takes it. */
  readonly runId: string;
  logParams(params: Record<string, ParamValue>): Promise<void>;
  /** Metric names as we write them (`validation.ndcg@10`); stored under metricKey(name). */
  logMetrics(metrics: Record<string, number>, options?: { step?: number }): Promise<void>;
  setTags(tags: Record<string, string>): Promise<void>;
  /** A file or a directory, stored as `<artifactPath>/<basename(localPath)>` (at the root without artifactPath). */
  logArtifact(localPath: string, artifactPath?: string): Promise<void>;
  end(status?: RunStatus): Promise<void>;
}

export interface MetricPoint {
  value: number;
  step: number;
  /** Milliseconds since the epoch, as MLflow keeps them. */
  timestamp: number;
}

export interface TrackedRun {
  run_id: string;
  experiment: string;
  run_name: string;
  status: 'RUNNING' | RunStatus;
  /** ISO 8601. */
  start_time: string;
  end_time: string | null;
  params: Record<string, string>;
  /** The latest value of each metric key (highest step, then latest timestamp). */
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

export interface RegisterVersionOptions {
  modelName: string;
  runId: string;
  /** Our bundle version; the backend's own sequence number is kept beside it as registry_version. */
  version: string;
  /** Where the version's files are inside the run's artifacts, e.g. `bundle`. */
  artifactPath: string;
}

export interface ModelVersionRecord {
  model_name: string;
  version: string;
  registry_version: string;
  run_id: string;
  source: string;
  stage: ModelStage;
  aliases: string[];
  /** ISO 8601. */
  created_at: string;
}

export interface ResendReport {
  /** Spooled items now delivered, oldest first. */
  delivered: string[];
  /** Items still waiting in the spool. */
  pending: number;
}

export interface Tracker {
  readonly backend: 'embedded' | 'mlflow';
  startRun(options: StartRunOptions): Promise<RunHandle>;
  getRun(runId: string): Promise<TrackedRun>;
  /** The metric's history, in step order. */
  metricHistory(runId: string, name: string): Promise<MetricPoint[]>;
  /** Artifact paths of a run, files only, sorted. */
  listArtifacts(runId: string): Promise<string[]>;
  readArtifact(runId: string, artifactPath: string): Promise<Buffer>;
  /** Creates the registered model on first use, then a version from the run. */
  registerVersion(options: RegisterVersionOptions): Promise<ModelVersionRecord>;
  /**
   * Moves a version to a stage. Staging and Production hold one version each: the version it replaces is
   * Archived, and the stage's alias moves with it.
   */
  transitionStage(options: { modelName: string; version: string; stage: ModelStage }): Promise<ModelVersionRecord>;
  getVersion(modelName: string, version: string): Promise<ModelVersionRecord>;
  /** Oldest first. */
  listVersions(modelName: string): Promise<ModelVersionRecord[]>;
  /** Delivers what an unreachable backend left in the local spool; a no-op for the embedded store. */
  resend(): Promise<ResendReport>;
  close(): Promise<void>;
}

/** A tracking problem a person can act on: what was wrong, what was expected, what to do. One line. */
export class TrackingError extends Error {
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'TrackingError';
  }
}

// MLflow keys allow alphanumerics, underscores, dashes, periods, spaces and slashes; we use the strictest form.
const KEY_PATTERN = /^[A-Za-z0-9_\-. /]+$/;
const MAX_KEY_LENGTH = 250;

/** `validation.ndcg@10` → `validation_ndcg_at_10`: a metric name as both backends store it. */
export function metricKey(name: string): string {
  const key = name
    .trim()
    .replace(/@/g, '_at_')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  if (key.length === 0)
    throw new TrackingError(`metric name "${name}" has no letters or digits; name it e.g. "validation.ndcg@10"`);
  return key;
}

/** Param and tag keys go to the backend as written, so they must already be valid everywhere. */
export function checkKey(kind: 'param' | 'tag', key: string): string {
  // MLflow also treats keys as file paths: `a/../b`, `/a` or `a//b` would name another key.
  const pathLike = key.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (!KEY_PATTERN.test(key) || key.length > MAX_KEY_LENGTH || pathLike) {
    throw new TrackingError(
      `${kind} key "${key}" is not accepted by MLflow: use at most ${MAX_KEY_LENGTH} letters, digits, "_", "-", ".", " " or "/", with no empty, "." or ".." path segment`,
    );
  }
  return key;
}

export function checkMetricValue(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TrackingError(`metric "${name}" is ${String(value)}; expected a finite number`);
  }
  return value;
}

/** Registering a version again from the same run is a no-op (a replay); from another run it is a mistake. */
export function checkSameRun(options: RegisterVersionOptions, registeredRunId: string): void {
  if (registeredRunId !== options.runId) {
    throw new TrackingError(
      `model ${options.modelName} already has version ${options.version} from run ${registeredRunId}, not ${options.runId}; every bundle version is registered once`,
    );
  }
}

export function checkStage(stage: string): ModelStage {
  if (!(MODEL_STAGES as readonly string[]).includes(stage)) {
    throw new TrackingError(`stage "${stage}" is not one of ${MODEL_STAGES.join(', ')}`);
  }
  return stage as ModelStage;
}

const MAX_PARAM_VALUE_LENGTH = 6000;
const MAX_TAG_VALUE_LENGTH = 8000;

export function paramString(key: string, value: ParamValue): string {
  const text = typeof value === 'string' ? value : String(value);
  if (text.length > MAX_PARAM_VALUE_LENGTH) {
    throw new TrackingError(
      `param "${key}" is ${text.length} characters; MLflow keeps at most ${MAX_PARAM_VALUE_LENGTH}: log long values as an artifact`,
    );
  }
  return text;
}

export function checkTags(tags: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(tags)) {
    checkKey('tag', key);
    if (typeof value !== 'string' || value.length > MAX_TAG_VALUE_LENGTH) {
      throw new TrackingError(`tag "${key}" must be a string of at most ${MAX_TAG_VALUE_LENGTH} characters`);
    }
  }
  return tags;
}

/** Params are written once per run in both backends (MLflow refuses a changed value). */
export function checkParamUnchanged(key: string, before: string | undefined, after: string): void {
  if (before !== undefined && before !== after) {
    throw new TrackingError(
      `param "${key}" is already "${before}" in this run; params are written once: log "${after}" under another key or in a new run`,
    );
  }
}
