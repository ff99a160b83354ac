import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE, type Manifest } from '@recsys/core/bundle/manifest';
import { listVersions } from '@recsys/core/bundle/reader';
import { type PromotionDecision, PromotionDecisionSchema } from '@recsys/core/promotion/gate';
import { readProductionPointer, writeProductionPointer } from '@recsys/core/registry/pointer';
import Database from 'better-sqlite3';
import { z } from 'zod';

/** R10: a version moves None → Staging → Production; the Production it replaces, or a retained candidate, is Archived. */
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];

export interface VersionRecord {
  model_name: string;
  version: string;
  stage: Stage;
  model_type: string;
  created_at: string;
  fit_cutoff: string;
  dataset_fingerprint: string;
  metrics: Manifest['metrics'];
  params: Record<string, unknown>;
  stage_changed_at: string;
}

export type DecisionOutcome =
  | { outcome: 'applied' }
  /** The candidate already left None/Staging: this decision (or another) was applied before. */
  | { outcome: 'already-applied' }
  /** Production moved since the gate scored it; the gate must run again against the new Production. */
  | { outcome: 'stale'; production_version: string | null };

export interface DecisionRecord {
  id: number;
  model_name: string;
  decided_at: string;
  decision: PromotionDecision;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS versions (
  model_name TEXT NOT NULL, version TEXT NOT NULL, stage TEXT NOT NULL, model_type TEXT NOT NULL,
  created_at TEXT NOT NULL, fit_cutoff TEXT NOT NULL, dataset_fingerprint TEXT NOT NULL,
  metrics TEXT NOT NULL, params TEXT NOT NULL, stage_changed_at TEXT NOT NULL,
  PRIMARY KEY (model_name, version)
);
CREATE TABLE IF NOT EXISTS stage_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, version TEXT NOT NULL,
  from_stage TEXT NOT NULL, to_stage TEXT NOT NULL, at TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, decided_at TEXT NOT NULL, decision TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_model ON decisions (model_name, id);
CREATE TABLE IF NOT EXISTS test_scores (
  fingerprint TEXT NOT NULL, config_key TEXT NOT NULL, scores TEXT NOT NULL, scored_at TEXT NOT NULL,
  PRIMARY KEY (fingerprint, config_key)
);
`;

interface VersionRow extends Omit<VersionRecord, 'metrics' | 'params'> {
  metrics: string;
  params: string;
}

/**
 * The store's model registry: the local runtime's source of truth for what is Production (ARCHITECTURE.md,
 * "Who decides"). One SQLite file per store; the Production pointer file that serving follows is rewritten
 * after every committed change and repaired on open, so a crash between the two heals itself.
 */
export class Registry {
  readonly store: string;
  readonly #db: Database.Database;

  private constructor(store: string, db: Database.Database) {
    this.store = store;
    this.#db = db;
  }

  static open(store: string): Registry {
    mkdirSync(store, { recursive: true });
    const db = new Database(path.join(store, 'registry.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    const registry = new Registry(store, db);
    registry.#repairPointers();
    registry.removeOrphans();
    return registry;
  }

  close(): void {
    this.#db.close();
  }

  /** Registers an exported bundle at stage None; registering the same version twice is a no-op. */
  register(manifest: Manifest): VersionRecord {
    const now = new Date().toISOString();
    this.#db
      .prepare(
        `INSERT OR IGNORE INTO versions VALUES (@model_name, @version, 'None', @model_type, @created_at, @fit_cutoff,
         @dataset_fingerprint, @metrics, @params, @stage_changed_at)`,
      )
      .run({
        model_name: manifest.model_name,
        version: manifest.version,
        model_type: manifest.model_type,
        created_at: manifest.created_at,
        fit_cutoff: manifest.dataset.fit_cutoff,
        dataset_fingerprint: manifest.dataset.fingerprint,
        metrics: JSON.stringify(manifest.metrics),
        params: JSON.stringify(manifest.params),
        stage_changed_at: now,
      });
    return this.get(manifest.model_name, manifest.version)!;
  }

  get(modelName: string, version: string): VersionRecord | null {
    const row = this.#db
      .prepare('SELECT * FROM versions WHERE model_name = ? AND version = ?')
      .get(modelName, version) as VersionRow | undefined;
    return row ? toRecord(row) : null;
  }

  list(modelName?: string): VersionRecord[] {
    const rows = (
      modelName
        ? this.#db.prepare('SELECT * FROM versions WHERE model_name = ? ORDER BY created_at, version').all(modelName)
        : this.#db.prepare('SELECT * FROM versions ORDER BY model_name, created_at, version').all()
    ) as VersionRow[];
    return rows.map(toRecord);
  }

  modelNames(): string[] {
    return (
      this.#db.prepare('SELECT DISTINCT model_name FROM versions ORDER BY model_name').all() as { model_name: string }[]
    ).map((r) => r.model_name);
  }

  production(modelName: string): VersionRecord | null {
    const row = this.#db
      .prepare(`SELECT * FROM versions WHERE model_name = ? AND stage = 'Production'`)
      .get(modelName) as VersionRow | undefined;
    return row ? toRecord(row) : null;
  }

  /**
   * Moves a version to a stage. Promoting to Production archives the Production it replaces (at most one
   * Production per model) and rewrites the pointer serving follows.
   */
  transition(modelName: string, version: string, to: Stage, reason: string): VersionRecord {
    const now = new Date().toISOString();
    this.#db.transaction(() => this.#moveStage(modelName, version, to, reason, now))();
    if (to === 'Production') writeProductionPointer(this.store, modelName, version);
    return this.get(modelName, version)!;
  }

  /** Within a transaction: the move, archiving the Production a promotion replaces (at most one per model). */
  #moveStage(modelName: string, version: string, to: Stage, reason: string, now: string): void {
    const current = this.get(modelName, version);
    if (!current) {
      throw new Error(
        `registry: ${modelName} has no version "${version}"; \`recsys models list\` shows the registered ones`,
      );
    }
    if (to === 'Production') {
      const previous = this.production(modelName);
      if (previous && previous.version !== version) this.#setStage(previous, 'Archived', `replaced by ${version}`, now);
    }
    if (current.stage !== to) this.#setStage(current, to, reason, now);
  }

  /**
   * Applies a gate's decision as one compare-and-set: only while Production is still the version the gate compared
   * with (or already the candidate), the candidate moves None → Staging → Production | Archived and the decision is
   * recorded, in a single write transaction, so two processes applying decisions at once cannot both win.
   */
  applyDecision(modelName: string, decision: PromotionDecision): DecisionOutcome {
    const version = decision.candidate_version;
    const now = new Date().toISOString();
    const apply = this.#db.transaction((): DecisionOutcome => {
      const record = this.get(modelName, version);
      if (!record) {
        throw new Error(
          `${modelName} has no registered version "${version}" in ${this.store}; the decision cannot be applied`,
        );
      }
      if (record.stage !== 'None' && record.stage !== 'Staging') return { outcome: 'already-applied' };
      const production = this.production(modelName)?.version ?? null;
      if (production !== decision.production_version && production !== version)
        return { outcome: 'stale', production_version: production };
      this.#moveStage(modelName, version, 'Staging', 'candidate under the promotion gate', now);
      this.recordDecision(modelName, decision);
      this.#moveStage(
        modelName,
        version,
        decision.verdict === 'promote' ? 'Production' : 'Archived',
        decision.summary,
        now,
      );
      return { outcome: 'applied' };
    });
    const outcome = apply.immediate();
    if (outcome.outcome === 'applied' && decision.verdict === 'promote')
      writeProductionPointer(this.store, modelName, version);
    return outcome;
  }

  recordDecision(modelName: string, decision: PromotionDecision): DecisionRecord {
    const decidedAt = new Date().toISOString();
    const { lastInsertRowid } = this.#db
      .prepare('INSERT INTO decisions (model_name, decided_at, decision) VALUES (?, ?, ?)')
      .run(modelName, decidedAt, JSON.stringify(PromotionDecisionSchema.parse(decision)));
    return { id: Number(lastInsertRowid), model_name: modelName, decided_at: decidedAt, decision };
  }

  decisions(modelName: string): DecisionRecord[] {
    const rows = this.#db
      .prepare('SELECT id, model_name, decided_at, decision FROM decisions WHERE model_name = ? ORDER BY id')
      .all(modelName) as { id: number; model_name: string; decided_at: string; decision: string }[];
    return rows.map((r) => {
      const parsed = PromotionDecisionSchema.safeParse(JSON.parse(r.decision));
      if (!parsed.success) {
        throw new Error(
          `registry: decision ${r.id} of ${modelName} in ${this.store} is not a promotion decision (${parsed.error.issues[0]?.message})`,
        );
      }
      return { ...r, decision: parsed.data };
    });
  }

  /**
   * Test is scored once per dataset fingerprint and configuration (PROTOCOL.md step 9): the first score is
   * kept, and later runs of the same configuration on the same data read it back instead of looking again.
   */
  testScore<T>(fingerprint: string, configKey: string): T | null {
    const row = this.#db
      .prepare('SELECT scores FROM test_scores WHERE fingerprint = ? AND config_key = ?')
      .get(fingerprint, configKey) as { scores: string } | undefined;
    return row ? (JSON.parse(row.scores) as T) : null;
  }

  recordTestScore(fingerprint: string, configKey: string, scores: unknown): void {
    this.#db
      .prepare('INSERT OR IGNORE INTO test_scores (fingerprint, config_key, scores, scored_at) VALUES (?, ?, ?, ?)')
      .run(fingerprint, configKey, JSON.stringify(scores), new Date().toISOString());
  }

  #setStage(record: VersionRecord, to: Stage, reason: string, at: string): void {
    this.#db
      .prepare('UPDATE versions SET stage = ?, stage_changed_at = ? WHERE model_name = ? AND version = ?')
      .run(to, at, record.model_name, record.version);
    this.#db
      .prepare(
        'INSERT INTO stage_changes (model_name, version, from_stage, to_stage, at, reason) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(record.model_name, record.version, record.stage, to, at, reason);
  }

  /**
   * Deletes bundles the registry never heard of (a trainer killed between writing a bundle and registering it),
   * once they are older than `graceMs` so a trainer between those two steps right now keeps its bundle. Returns
   * what it deleted as `model/version`.
   */
  removeOrphans(graceMs = ORPHAN_GRACE_MS, now = Date.now()): string[] {
    const removed: string[] = [];
    const models = readdirSync(this.store, { withFileTypes: true }).filter(
      (e) => e.isDirectory() && !e.name.startsWith('.'),
    );
    for (const { name: modelName } of models) {
      for (const version of listVersions(this.store, modelName)) {
        if (this.get(modelName, version)) continue;
        const manifest = path.join(this.store, modelName, version, MANIFEST_FILE);
        if (now - bundleTime(manifest) < graceMs) continue;
        rmSync(path.dirname(manifest), { recursive: true, force: true });
        removed.push(`${modelName}/${version}`);
      }
    }
    return removed;
  }

  #repairPointers(): void {
    for (const modelName of this.modelNames()) {
      const production = this.production(modelName);
      if (production && readProductionPointer(this.store, modelName) !== production.version) {
        writeProductionPointer(this.store, modelName, production.version);
      }
    }
  }
}

/** An unregistered bundle younger than this may be one a trainer is about to register. */
export const ORPHAN_GRACE_MS = 60 * 60_000;

/** When a bundle was written: its manifest's created_at, else the file's modification time. */
function bundleTime(manifestFile: string): number {
  try {
    const parsed = z.object({ created_at: z.iso.datetime() }).safeParse(JSON.parse(readFileSync(manifestFile, 'utf8')));
    if (parsed.success) return Date.parse(parsed.data.created_at);
  } catch {
    // An unreadable manifest is dated by the file.
  }
  return statSync(manifestFile).mtimeMs;
}

function toRecord(row: VersionRow): VersionRecord {
  return { ...row, metrics: JSON.parse(row.metrics), params: JSON.parse(row.params) };
}
