import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { joinArtifactPath, normalizeArtifactPath } from './artifact-paths.ts';
import { MlflowRequestError, MlflowRest, proxyRoot } from './mlflow-rest.ts';
import { MlflowRunHandle } from './mlflow-run.ts';
import { nextSeq, type RegistryOp, type RunJournal, type RunOp, Spool } from './spool.ts';
import {
  checkSameRun,
  checkStage,
  checkTags,
  type MetricPoint,
  type ModelStage,
  type ModelVersionRecord,
  metricKey,
  type RegisterVersionOptions,
  type ResendReport,
  type RunHandle,
  STAGE_ALIASES,
  type StartRunOptions,
  type TrackedRun,
  type Tracker,
  TrackingError,
} from './tracker.ts';

// log-batch limits of the MLflow server (mlflow/utils/validation.py).
const MAX_PARAMS_OR_TAGS_PER_BATCH = 100;
const MAX_METRICS_PER_BATCH = 1000;
/** The model-version tag that carries our bundle version beside MLflow's own sequence number. */
export const BUNDLE_VERSION_TAG = 'bundle_version';

interface KeyValue {
  key: string;
  value: string;
}

interface MlflowRun {
  info: {
    run_id: string;
    run_name?: string;
    experiment_id: string;
    status: TrackedRun['status'];
    start_time?: number | string;
    end_time?: number | string;
    artifact_uri: string;
  };
  data: {
    params?: KeyValue[];
    tags?: KeyValue[];
    metrics?: { key: string; value: number; step?: number | string; timestamp?: number | string }[];
  };
}

interface MlflowModelVersion {
  name: string;
  version: string;
  creation_timestamp: number | string;
  current_stage?: ModelStage;
  source: string;
  run_id?: string;
  tags?: KeyValue[];
}

export interface MlflowTrackerOptions {
  /** The tracking server, e.g. http://127.0.0.1:5000. */
  uri: string;
  /** Where runs and registry changes wait while the server cannot take them. */
  spoolDir: string;
  /** Per request; an unanswered request counts as an unreachable server. */
  timeoutMs?: number;
}

/**
 * MLflow over its REST API. A run is delivered as it is logged; when the server cannot take it (unreachable,
 * or an HTTP error), the rest of the run goes to the spool and end() says so, and resend() delivers it later.
 */
export class MlflowTracker implements Tracker {
  readonly backend = 'mlflow' as const;
  readonly rest: MlflowRest;
  readonly spool: Spool;
  readonly #experimentIds = new Map<string, string>();
  readonly #experimentNames = new Map<string, string>();
  readonly #artifactRoots = new Map<string, string>();

  constructor(options: MlflowTrackerOptions) {
    this.rest = new MlflowRest(options.uri, options.timeoutMs);
    this.spool = new Spool(options.spoolDir);
  }

  async startRun(options: StartRunOptions): Promise<RunHandle> {
    const journal: RunJournal = {
      kind: 'run',
      seq: nextSeq(),
      local_id: `local-${randomUUID().replaceAll('-', '')}`,
      pid: process.pid,
      experiment: options.experiment,
      run_name: options.runName,
      start_time: Date.now(),
      uri: null,
      run_id: null,
      ops: [{ op: 'tags', tags: checkTags({ ...(options.tags ?? {}) }) }],
      delivered: 0,
      last_error: null,
    };
    const run = new MlflowRunHandle(this, journal);
    await run.flush();
    return run;
  }

  async getRun(runId: string): Promise<TrackedRun> {
    const run = await this.#run(runId);
    const latest = new Map<string, { value: number; step: number; timestamp: number }>();
    for (const metric of run.data.metrics ?? []) {
      const point = { value: metric.value, step: Number(metric.step ?? 0), timestamp: Number(metric.timestamp ?? 0) };
      const seen = latest.get(metric.key);
      if (!seen || point.step > seen.step || (point.step === seen.step && point.timestamp >= seen.timestamp)) {
        latest.set(metric.key, point);
      }
    }
    return {
      run_id: run.info.run_id,
      experiment: await this.#experimentName(run.info.experiment_id),
      run_name: run.info.run_name ?? '',
      status: run.info.status,
      start_time: isoTime(run.info.start_time) ?? '',
      end_time: isoTime(run.info.end_time),
      params: Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value])),
      metrics: Object.fromEntries([...latest].map(([key, point]) => [key, point.value])),
      // MLflow's own bookkeeping tags (mlflow.user, mlflow.runName, …) are not ours to report.
      tags: Object.fromEntries(
        (run.data.tags ?? []).filter((t) => !t.key.startsWith('mlflow.')).map((t) => [t.key, t.value]),
      ),
    };
  }

  async metricHistory(runId: string, name: string): Promise<MetricPoint[]> {
    const id = this.#serverRunId(runId);
    const points: MetricPoint[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.rest.get<{
        metrics?: { value: number; step?: number | string; timestamp?: number | string }[];
        next_page_token?: string;
      }>('metrics/get-history', { run_id: id, metric_key: metricKey(name), page_token: pageToken });
      for (const m of page.metrics ?? []) {
        points.push({ value: m.value, step: Number(m.step ?? 0), timestamp: Number(m.timestamp ?? 0) });
      }
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  }

  async listArtifacts(runId: string): Promise<string[]> {
    const id = this.#serverRunId(runId);
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const listing = await this.rest.get<{ files?: { path: string; is_dir?: boolean }[] }>('artifacts/list', {
        run_id: id,
        path: dir || undefined,
      });
      for (const file of listing.files ?? []) {
        if (file.is_dir) await walk(file.path);
        else files.push(file.path);
      }
    };
    await walk('');
    return files.sort();
  }

  async readArtifact(runId: string, artifactPath: string): Promise<Buffer> {
    const id = this.#serverRunId(runId);
    return this.rest.getArtifact(joinArtifactPath(await this.#artifactRoot(id), normalizeArtifactPath(artifactPath)));
  }

  async registerVersion(options: RegisterVersionOptions): Promise<ModelVersionRecord> {
    return this.#registryChange({
      op: 'register',
      model_name: options.modelName,
      run_id: options.runId,
      version: options.version,
      artifact_path: normalizeArtifactPath(options.artifactPath),
    });
  }

  async transitionStage(options: {
    modelName: string;
    version: string;
    stage: ModelStage;
  }): Promise<ModelVersionRecord> {
    return this.#registryChange({
      op: 'transition',
      model_name: options.modelName,
      version: options.version,
      stage: checkStage(options.stage),
    });
  }

  async getVersion(modelName: string, version: string): Promise<ModelVersionRecord> {
    const found = await this.#findVersion(modelName, version, true);
    return record(found, await this.#aliases(modelName));
  }

  async listVersions(modelName: string): Promise<ModelVersionRecord[]> {
    const [versions, aliases] = await Promise.all([this.#versions(modelName), this.#aliases(modelName)]);
    return versions
      .map((mv) => record(mv, aliases))
      .sort((a, b) => Number(a.registry_version) - Number(b.registry_version));
  }

  /**
   * Delivers the spool oldest first and stops at the first entry the server refuses (throwing) or at a run
   * still being logged by a live process (reported as pending).
   */
  async resend(): Promise<ResendReport> {
    const entries = this.spool.entries();
    const delivered: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      try {
        if (entry.kind === 'run') {
          const ended = entry.ops.some((op) => op.op === 'end');
          if (!ended && processAlive(entry.pid)) return { delivered, pending: entries.length - i };
          // The process that logged it died before end(): MLflow's word for that is KILLED.
          if (!ended) entry.ops.push({ op: 'end', status: 'KILLED', end_time: Date.now() });
          await this.deliverRun(entry, () => this.spool.write(entry));
          this.spool.recordRunId(entry.local_id, entry.run_id as string);
          delivered.push(`run ${entry.run_name} (${entry.run_id})`);
        } else {
          await this.#applyRegistryChange(entry.request);
          delivered.push(describeRegistryOp(entry.request));
        }
        this.spool.remove(entry);
      } catch (err) {
        entry.last_error = (err as Error).message;
        this.spool.write(entry);
        throw new TrackingError(
          `resend stopped at ${this.spool.fileOf(entry)}: ${(err as Error).message} (delivered ${delivered.length}, ${entries.length - i} still in the spool; fix the cause and call resend() again)`,
        );
      }
    }
    return { delivered, pending: 0 };
  }

  async close(): Promise<void> {}

  /** Sends a run's undelivered ops; each is idempotent on the server, so a replay after a failure repeats nothing. */
  async deliverRun(journal: RunJournal, persist: () => void): Promise<void> {
    if (journal.uri !== this.rest.uri) {
      // Another server than the one that has part of the run: start the run there from the beginning.
      journal.uri = this.rest.uri;
      journal.run_id = null;
      journal.delivered = 0;
    }
    if (journal.run_id === null) {
      const created = await this.rest.post<{ run: MlflowRun }>('runs/create', {
        experiment_id: await this.#experimentId(journal.experiment),
        run_name: journal.run_name,
        start_time: journal.start_time,
      });
      journal.run_id = created.run.info.run_id;
      this.#artifactRoots.set(journal.run_id, proxyRoot(created.run.info.artifact_uri, this.rest.uri));
      persist();
    }
    while (journal.delivered < journal.ops.length) {
      await this.#deliverOp(journal.run_id, journal.ops[journal.delivered]);
      journal.delivered++;
      persist();
    }
  }

  async #deliverOp(runId: string, op: RunOp): Promise<void> {
    if (op.op === 'params' || op.op === 'tags') {
      const entries = Object.entries(op.op === 'params' ? op.params : op.tags).map(([key, value]) => ({ key, value }));
      for (const chunk of chunks(entries, MAX_PARAMS_OR_TAGS_PER_BATCH)) {
        await this.rest.post('runs/log-batch', { run_id: runId, [op.op]: chunk });
      }
    } else if (op.op === 'metrics') {
      for (const chunk of chunks(op.metrics, MAX_METRICS_PER_BATCH)) {
        await this.rest.post('runs/log-batch', { run_id: runId, metrics: chunk });
      }
    } else if (op.op === 'artifact') {
      const destination = joinArtifactPath(await this.#artifactRoot(runId), op.destination);
      await this.rest.putArtifact(destination, readFileSync(this.spool.artifactPath(op)));
    } else {
      await this.rest.post('runs/update', { run_id: runId, status: op.status, end_time: op.end_time });
    }
  }

  /** Registry changes keep their order: with anything still spooled, the spool goes first. */
  async #registryChange(request: RegistryOp): Promise<ModelVersionRecord> {
    const queue = (err: Error): never => {
      this.spool.write({ kind: 'registry', seq: nextSeq(), request, last_error: err.message });
      throw new TrackingError(
        `${err.message}. ${describeRegistryOp(request)} is kept in the spool ${this.spool.dir}; nothing is lost: call resend() once the server takes it`,
      );
    };
    if (this.spool.entries().length > 0) {
      let pending: number;
      try {
        ({ pending } = await this.resend());
      } catch (err) {
        return queue(err as Error);
      }
      if (pending > 0) {
        return queue(new TrackingError(`${pending} earlier item(s) of a run still being logged wait in the spool`));
      }
    }
    try {
      return await this.#applyRegistryChange(request);
    } catch (err) {
      // A refusal of the request itself (4xx) is the caller's to fix; an unreachable or failing server is not.
      if (err instanceof MlflowRequestError && (err.status === undefined || err.status >= 500)) return queue(err);
      throw err;
    }
  }

  async #applyRegistryChange(request: RegistryOp): Promise<ModelVersionRecord> {
    return request.op === 'register' ? this.#register(request) : this.#transition(request);
  }

  async #register(request: Extract<RegistryOp, { op: 'register' }>): Promise<ModelVersionRecord> {
    const runId = this.#serverRunId(request.run_id);
    try {
      await this.rest.post('registered-models/create', { name: request.model_name });
    } catch (err) {
      if (!(err instanceof MlflowRequestError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
    }
    const existing = await this.#findVersion(request.model_name, request.version, false);
    if (existing) {
      checkSameRun(
        { modelName: request.model_name, version: request.version, runId, artifactPath: '' },
        existing.run_id ?? '',
      );
      return record(existing, await this.#aliases(request.model_name));
    }
    const created = await this.rest.post<{ model_version: MlflowModelVersion }>('model-versions/create', {
      name: request.model_name,
      source: `runs:/${runId}/${request.artifact_path}`,
      run_id: runId,
      tags: [{ key: BUNDLE_VERSION_TAG, value: request.version }],
    });
    return record(created.model_version, new Map());
  }

  async #transition(request: Extract<RegistryOp, { op: 'transition' }>): Promise<ModelVersionRecord> {
    const current = await this.#findVersion(request.model_name, request.version, true);
    const holdsOne = request.stage === 'Staging' || request.stage === 'Production';
    await this.rest.post('model-versions/transition-stage', {
      name: request.model_name,
      version: current.version,
      stage: request.stage,
      archive_existing_versions: holdsOne,
    });
    // Stages are deprecated in MLflow 3; the aliases say the same thing and are what MLflow 3 clients read.
    const held = (await this.#aliases(request.model_name)).get(current.version) ?? [];
    for (const [stage, alias] of Object.entries(STAGE_ALIASES)) {
      if (stage === request.stage) {
        await this.rest.post('registered-models/alias', { name: request.model_name, alias, version: current.version });
      } else if (held.includes(alias)) {
        await this.rest.delete('registered-models/alias', { name: request.model_name, alias });
      }
    }
    return this.getVersion(request.model_name, request.version);
  }

  /** Model-version search leaves aliases out; the registered model lists them all. */
  async #aliases(modelName: string): Promise<Map<string, string[]>> {
    const { registered_model: model } = await this.rest.get<{
      registered_model: { aliases?: { alias: string; version: string }[] };
    }>('registered-models/get', { name: modelName });
    const byVersion = new Map<string, string[]>();
    for (const { alias, version } of model.aliases ?? [])
      byVersion.set(version, [...(byVersion.get(version) ?? []), alias]);
    return byVersion;
  }

  async #versions(modelName: string): Promise<MlflowModelVersion[]> {
    if (modelName.includes("'"))
      throw new TrackingError(`model name ${modelName} contains a quote; use letters, digits, "-" or "_"`);
    const versions: MlflowModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.rest.get<{ model_versions?: MlflowModelVersion[]; next_page_token?: string }>(
        'model-versions/search',
        { filter: `name='${modelName}'`, max_results: 1000, page_token: pageToken },
      );
      versions.push(...(page.model_versions ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return versions;
  }

  async #findVersion(modelName: string, version: string, required: true): Promise<MlflowModelVersion>;
  async #findVersion(modelName: string, version: string, required: false): Promise<MlflowModelVersion | undefined>;
  async #findVersion(modelName: string, version: string, required: boolean): Promise<MlflowModelVersion | undefined> {
    const found = (await this.#versions(modelName)).find((mv) => bundleVersion(mv) === version);
    if (!found && required) {
      throw new TrackingError(
        `MLflow at ${this.rest.uri} has no version ${version} of model ${modelName} (no model version tagged ${BUNDLE_VERSION_TAG}=${version}); registerVersion() it first`,
      );
    }
    return found;
  }

  async #run(runId: string): Promise<MlflowRun> {
    const { run } = await this.rest.get<{ run: MlflowRun }>('runs/get', { run_id: this.#serverRunId(runId) });
    this.#artifactRoots.set(run.info.run_id, proxyRoot(run.info.artifact_uri, this.rest.uri));
    return run;
  }

  async #artifactRoot(runId: string): Promise<string> {
    const known = this.#artifactRoots.get(runId);
    if (known !== undefined) return known;
    await this.#run(runId);
    return this.#artifactRoots.get(runId) as string;
  }

  async #experimentId(name: string): Promise<string> {
    const known = this.#experimentIds.get(name);
    if (known !== undefined) return known;
    let id: string;
    try {
      id = (
        await this.rest.get<{ experiment: { experiment_id: string } }>('experiments/get-by-name', {
          experiment_name: name,
        })
      ).experiment.experiment_id;
    } catch (err) {
      if (!(err instanceof MlflowRequestError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST')) throw err;
      id = (await this.rest.post<{ experiment_id: string }>('experiments/create', { name })).experiment_id;
    }
    this.#experimentIds.set(name, id);
    return id;
  }

  async #experimentName(id: string): Promise<string> {
    const known = this.#experimentNames.get(id);
    if (known !== undefined) return known;
    const { experiment } = await this.rest.get<{ experiment: { name: string } }>('experiments/get', {
      experiment_id: id,
    });
    this.#experimentNames.set(id, experiment.name);
    return experiment.name;
  }

  /** A run spooled before the server had it was known by a local id; after delivery the server's id stands in. */
  #serverRunId(runId: string): string {
    if (!runId.startsWith('local-')) return runId;
    const id = this.spool.runIds()[runId];
    if (id === undefined) {
      throw new TrackingError(
        `run ${runId} is still in the spool ${this.spool.dir}, not on ${this.rest.uri}; call resend() first`,
      );
    }
    return id;
  }
}

function record(mv: MlflowModelVersion, aliases: Map<string, string[]>): ModelVersionRecord {
  return {
    model_name: mv.name,
    version: bundleVersion(mv) ?? mv.version,
    registry_version: String(mv.version),
    run_id: mv.run_id ?? '',
    source: mv.source,
    stage: mv.current_stage ?? 'None',
    aliases: [...(aliases.get(String(mv.version)) ?? [])].sort(),
    created_at: isoTime(mv.creation_timestamp) ?? '',
  };
}

function bundleVersion(mv: MlflowModelVersion): string | undefined {
  return mv.tags?.find((tag) => tag.key === BUNDLE_VERSION_TAG)?.value;
}

function describeRegistryOp(request: RegistryOp): string {
  return request.op === 'register'
    ? `registering version ${request.version} of ${request.model_name} from run ${request.run_id}`
    : `moving version ${request.version} of ${request.model_name} to ${request.stage}`;
}

function isoTime(ms: number | string | undefined): string | null {
  return ms === undefined || ms === null ? null : new Date(Number(ms)).toISOString();
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
