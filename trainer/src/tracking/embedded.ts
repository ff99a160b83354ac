import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { artifactFiles, normalizeArtifactPath } from './artifact-paths.ts';
import {
  checkKey,
  checkMetricValue,
  checkParamUnchanged,
  checkSameRun,
  checkStage,
  checkTags,
  type MetricPoint,
  type ModelStage,
  type ModelVersionRecord,
  metricKey,
  type ParamValue,
  paramString,
  type RegisterVersionOptions,
  type ResendReport,
  type RunHandle,
  type RunStatus,
  STAGE_ALIASES,
  type StartRunOptions,
  type TrackedRun,
  type Tracker,
  TrackingError,
} from './tracker.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS experiments (
  experiment_id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments, run_name TEXT NOT NULL,
  status TEXT NOT NULL, start_time TEXT NOT NULL, end_time TEXT
);
CREATE TABLE IF NOT EXISTS params (
  run_id TEXT NOT NULL REFERENCES runs, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS metrics (
  run_id TEXT NOT NULL REFERENCES runs, key TEXT NOT NULL, value REAL NOT NULL, step INTEGER NOT NULL,
  timestamp INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS metrics_by_run_key ON metrics (run_id, key, step, timestamp);
CREATE TABLE IF NOT EXISTS tags (
  run_id TEXT NOT NULL REFERENCES runs, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS artifacts (
  run_id TEXT NOT NULL REFERENCES runs, path TEXT NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY (run_id, path)
);
CREATE TABLE IF NOT EXISTS registered_models (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS model_versions (
  model_name TEXT NOT NULL REFERENCES registered_models, registry_version INTEGER NOT NULL, version TEXT NOT NULL,
  run_id TEXT NOT NULL REFERENCES runs, source TEXT NOT NULL, stage TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (model_name, registry_version), UNIQUE (model_name, version)
);
CREATE TABLE IF NOT EXISTS model_aliases (
  model_name TEXT NOT NULL, alias TEXT NOT NULL, registry_version INTEGER NOT NULL,
  PRIMARY KEY (model_name, alias)
);
`;

interface RunRow {
  run_id: string;
  experiment: string;
  run_name: string;
  status: TrackedRun['status'];
  start_time: string;
  end_time: string | null;
}

interface VersionRow {
  model_name: string;
  registry_version: number;
  version: string;
  run_id: string;
  source: string;
  stage: ModelStage;
  created_at: string;
}

/**
 * The zero-setup tracker: one SQLite file (WAL) and the artifacts copied beside it, at
 * `<dir>/tracking.sqlite` and `<dir>/artifacts/<run_id>/<path>`.
 */
export class EmbeddedTracker implements Tracker {
  readonly backend = 'embedded' as const;
  readonly dir: string;
  readonly #db: Database.Database;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
    this.#db = new Database(path.join(dir, 'tracking.sqlite'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    this.#db.exec(SCHEMA);
  }

  async startRun(options: StartRunOptions): Promise<RunHandle> {
    checkTags(options.tags ?? {});
    const runId = randomUUID().replaceAll('-', '');
    const start = this.#db.transaction(() => {
      this.#db
        .prepare('INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)')
        .run(options.experiment, new Date().toISOString());
      const { experiment_id } = this.#db
        .prepare('SELECT experiment_id FROM experiments WHERE name = ?')
        .get(options.experiment) as { experiment_id: number };
      this.#db
        .prepare(
          "INSERT INTO runs (run_id, experiment_id, run_name, status, start_time) VALUES (?, ?, ?, 'RUNNING', ?)",
        )
        .run(runId, experiment_id, options.runName, new Date().toISOString());
      this.#setTags(runId, options.tags ?? {});
    });
    start();
    return new EmbeddedRun(this, runId);
  }

  async getRun(runId: string): Promise<TrackedRun> {
    const run = this.#runRow(runId);
    const rows = (sql: string) => this.#db.prepare(sql).all(runId) as { key: string; value: string | number }[];
    const params = Object.fromEntries(
      rows('SELECT key, value FROM params WHERE run_id = ?').map((r) => [r.key, String(r.value)]),
    );
    const tags = Object.fromEntries(
      rows('SELECT key, value FROM tags WHERE run_id = ?').map((r) => [r.key, String(r.value)]),
    );
    // The latest point of each key: highest step, then latest timestamp, as MLflow reports it.
    const metrics = Object.fromEntries(
      rows(
        `SELECT key, value FROM (SELECT key, value, ROW_NUMBER() OVER (PARTITION BY key ORDER BY step DESC, timestamp DESC,
         rowid DESC) AS rank FROM metrics WHERE run_id = ?) WHERE rank = 1`,
      ).map((r) => [r.key, Number(r.value)]),
    );
    return { ...run, params, metrics, tags };
  }

  async metricHistory(runId: string, name: string): Promise<MetricPoint[]> {
    this.#runRow(runId);
    return this.#db
      .prepare(
        'SELECT value, step, timestamp FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp, rowid',
      )
      .all(runId, metricKey(name)) as MetricPoint[];
  }

  async listArtifacts(runId: string): Promise<string[]> {
    this.#runRow(runId);
    const rows = this.#db.prepare('SELECT path FROM artifacts WHERE run_id = ? ORDER BY path').all(runId) as {
      path: string;
    }[];
    return rows.map((row) => row.path);
  }

  async readArtifact(runId: string, artifactPath: string): Promise<Buffer> {
    const relative = normalizeArtifactPath(artifactPath);
    const found = this.#db.prepare('SELECT 1 FROM artifacts WHERE run_id = ? AND path = ?').get(runId, relative);
    if (!found) {
      throw new TrackingError(
        `run ${runId} has no artifact "${relative}"; listArtifacts(run_id) shows the ones it has`,
      );
    }
    return readFileSync(path.join(this.dir, 'artifacts', runId, relative));
  }

  async registerVersion(options: RegisterVersionOptions): Promise<ModelVersionRecord> {
    this.#runRow(options.runId);
    const artifactPath = normalizeArtifactPath(options.artifactPath);
    const register = this.#db.transaction(() => {
      const now = new Date().toISOString();
      this.#db
        .prepare('INSERT OR IGNORE INTO registered_models (name, created_at) VALUES (?, ?)')
        .run(options.modelName, now);
      const existing = this.#versionRow(options.modelName, options.version, false);
      if (existing) {
        checkSameRun(options, existing.run_id);
        return;
      }
      const { next } = this.#db
        .prepare('SELECT COALESCE(MAX(registry_version), 0) + 1 AS next FROM model_versions WHERE model_name = ?')
        .get(options.modelName) as { next: number };
      this.#db
        .prepare(
          `INSERT INTO model_versions (model_name, registry_version, version, run_id, source, stage, created_at)
           VALUES (?, ?, ?, ?, ?, 'None', ?)`,
        )
        .run(options.modelName, next, options.version, options.runId, this.#source(options.runId, artifactPath), now);
    });
    register();
    return this.getVersion(options.modelName, options.version);
  }

  async transitionStage(options: {
    modelName: string;
    version: string;
    stage: ModelStage;
  }): Promise<ModelVersionRecord> {
    const stage = checkStage(options.stage);
    const transition = this.#db.transaction(() => {
      const row = this.#versionRow(options.modelName, options.version, true) as VersionRow;
      if (stage === 'Staging' || stage === 'Production') {
        this.#db
          .prepare(
            "UPDATE model_versions SET stage = 'Archived' WHERE model_name = ? AND stage = ? AND registry_version != ?",
          )
          .run(options.modelName, stage, row.registry_version);
      }
      this.#db
        .prepare('UPDATE model_versions SET stage = ? WHERE model_name = ? AND registry_version = ?')
        .run(stage, options.modelName, row.registry_version);
      for (const [aliasStage, alias] of Object.entries(STAGE_ALIASES)) {
        if (aliasStage === stage) {
          this.#db
            .prepare('INSERT OR REPLACE INTO model_aliases (model_name, alias, registry_version) VALUES (?, ?, ?)')
            .run(options.modelName, alias, row.registry_version);
        } else {
          this.#db
            .prepare('DELETE FROM model_aliases WHERE model_name = ? AND alias = ? AND registry_version = ?')
            .run(options.modelName, alias, row.registry_version);
        }
      }
    });
    transition();
    return this.getVersion(options.modelName, options.version);
  }

  async getVersion(modelName: string, version: string): Promise<ModelVersionRecord> {
    return this.#record(this.#versionRow(modelName, version, true) as VersionRow);
  }

  async listVersions(modelName: string): Promise<ModelVersionRecord[]> {
    const rows = this.#db
      .prepare('SELECT * FROM model_versions WHERE model_name = ? ORDER BY registry_version')
      .all(modelName) as VersionRow[];
    return rows.map((row) => this.#record(row));
  }

  async resend(): Promise<ResendReport> {
    return { delivered: [], pending: 0 };
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  /** Used by EmbeddedRun; each call is one transaction. */
  write(runId: string, kind: 'params' | 'metrics' | 'tags' | 'end', payload: unknown): void {
    const run = this.#runRow(runId);
    if (run.status !== 'RUNNING') {
      throw new TrackingError(`run ${runId} already ended (${run.status}); start a new run to log more`);
    }
    this.#db.transaction(() => {
      if (kind === 'params') this.#setParams(runId, payload as Record<string, string>);
      else if (kind === 'tags') this.#setTags(runId, payload as Record<string, string>);
      else if (kind === 'metrics') {
        const { metrics, step } = payload as { metrics: Record<string, number>; step: number };
        const insert = this.#db.prepare(
          'INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)',
        );
        const timestamp = Date.now();
        for (const [key, value] of Object.entries(metrics)) insert.run(runId, key, value, step, timestamp);
      } else {
        this.#db
          .prepare('UPDATE runs SET status = ?, end_time = ? WHERE run_id = ?')
          .run(payload as RunStatus, new Date().toISOString(), runId);
      }
    })();
  }

  copyArtifact(runId: string, localPath: string, artifactPath?: string): void {
    const run = this.#runRow(runId);
    if (run.status !== 'RUNNING') {
      throw new TrackingError(`run ${runId} already ended (${run.status}); log artifacts before end()`);
    }
    const files = artifactFiles(localPath, artifactPath);
    const record = this.#db.prepare('INSERT OR REPLACE INTO artifacts (run_id, path, bytes) VALUES (?, ?, ?)');
    for (const file of files) {
      const destination = path.join(this.dir, 'artifacts', runId, file.destination);
      mkdirSync(path.dirname(destination), { recursive: true });
      copyFileSync(file.local, destination);
      record.run(runId, file.destination, readFileSync(destination).byteLength);
    }
  }

  #setParams(runId: string, params: Record<string, string>): void {
    const existing = this.#db.prepare('SELECT value FROM params WHERE run_id = ? AND key = ?');
    const insert = this.#db.prepare('INSERT OR IGNORE INTO params (run_id, key, value) VALUES (?, ?, ?)');
    for (const [key, value] of Object.entries(params)) {
      const row = existing.get(runId, key) as { value: string } | undefined;
      checkParamUnchanged(key, row?.value, value);
      insert.run(runId, key, value);
    }
  }

  #setTags(runId: string, tags: Record<string, string>): void {
    const upsert = this.#db.prepare('INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)');
    for (const [key, value] of Object.entries(tags)) upsert.run(runId, key, value);
  }

  #runRow(runId: string): RunRow {
    const row = this.#db
      .prepare(
        `SELECT r.run_id, e.name AS experiment, r.run_name, r.status, r.start_time, r.end_time
         FROM runs r JOIN experiments e USING (experiment_id) WHERE r.run_id = ?`,
      )
      .get(runId) as RunRow | undefined;
    if (!row) throw new TrackingError(`no run ${runId} in the tracking store ${this.dir}; check the run id`);
    return row;
  }

  #versionRow(modelName: string, version: string, required: boolean): VersionRow | undefined {
    const row = this.#db
      .prepare('SELECT * FROM model_versions WHERE model_name = ? AND version = ?')
      .get(modelName, version) as VersionRow | undefined;
    if (!row && required) {
      throw new TrackingError(
        `model ${modelName} has no registered version ${version} in ${this.dir}; registerVersion() it first`,
      );
    }
    return row;
  }

  #record(row: VersionRow): ModelVersionRecord {
    const aliases = this.#db
      .prepare('SELECT alias FROM model_aliases WHERE model_name = ? AND registry_version = ? ORDER BY alias')
      .all(row.model_name, row.registry_version) as { alias: string }[];
    return {
      model_name: row.model_name,
      version: row.version,
      registry_version: String(row.registry_version),
      run_id: row.run_id,
      source: row.source,
      stage: row.stage,
      aliases: aliases.map((a) => a.alias),
      created_at: row.created_at,
    };
  }

  #source(runId: string, artifactPath: string): string {
    return path.join(this.dir, 'artifacts', runId, artifactPath);
  }
}

class EmbeddedRun implements RunHandle {
  readonly runId: string;
  readonly #tracker: EmbeddedTracker;

  constructor(tracker: EmbeddedTracker, runId: string) {
    this.#tracker = tracker;
    this.runId = runId;
  }

  async logParams(params: Record<string, ParamValue>): Promise<void> {
    const values = Object.fromEntries(
      Object.entries(params).map(([key, value]) => [checkKey('param', key), paramString(key, value)]),
    );
    this.#tracker.write(this.runId, 'params', values);
  }

  async logMetrics(metrics: Record<string, number>, options: { step?: number } = {}): Promise<void> {
    const values = Object.fromEntries(
      Object.entries(metrics).map(([name, value]) => [metricKey(name), checkMetricValue(name, value)]),
    );
    this.#tracker.write(this.runId, 'metrics', { metrics: values, step: options.step ?? 0 });
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    this.#tracker.write(this.runId, 'tags', checkTags(tags));
  }

  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    this.#tracker.copyArtifact(this.runId, localPath, artifactPath);
  }

  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    this.#tracker.write(this.runId, 'end', status);
  }
}
