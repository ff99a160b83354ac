import { randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { ModelStage, RunStatus } from './tracker.ts';

export interface SpooledMetric {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

export type RunOp =
  | { op: 'params'; params: Record<string, string> }
  | { op: 'metrics'; metrics: SpooledMetric[] }
  | { op: 'tags'; tags: Record<string, string> }
  /** `file` is absolute while the run is live, relative to the spool once spooled. */
  | { op: 'artifact'; file: string; destination: string }
  | { op: 'end'; status: RunStatus; end_time: number };

/** Everything a run did, and how much of it the server `uri` has: replaying it from `delivered` is idempotent. */
export interface RunJournal {
  kind: 'run';
  seq: string;
  local_id: string;
  pid: number;
  experiment: string;
  run_name: string;
  start_time: number;
  uri: string | null;
  run_id: string | null;
  ops: RunOp[];
  delivered: number;
  last_error: string | null;
}

export type RegistryOp =
  | { op: 'register'; model_name: string; run_id: string; version: string; artifact_path: string }
  | { op: 'transition'; model_name: string; version: string; stage: ModelStage };

export interface RegistryEntry {
  kind: 'registry';
  seq: string;
  request: RegistryOp;
  last_error: string | null;
}

export type SpoolEntry = RunJournal | RegistryEntry;

const RUN_IDS = 'run-ids.json';
let counter = 0;

/** A sortable id: entries are replayed in the order they were made, so a version follows the run it comes from. */
export function nextSeq(): string {
  counter = (counter + 1) % 1_000_000;
  return `${Date.now().toString().padStart(14, '0')}-${counter.toString().padStart(6, '0')}-${randomUUID().slice(0, 8)}`;
}

/**
 * What an unreachable MLflow has not taken yet, as JSON files under one directory (`<seq>-run.json`,
 * `<seq>-registry.json`), artifact copies beside each run (`<seq>-run.files/`), and `run-ids.json`, which maps
 * the local id a spooled run was given to the id the server gave it on delivery.
 */
export class Spool {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  entries(): SpoolEntry[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => /^\d{14}-.*-(run|registry)\.json$/.test(name))
      .sort()
      .map((name) => JSON.parse(readFileSync(path.join(this.dir, name), 'utf8')) as SpoolEntry);
  }

  fileOf(entry: SpoolEntry): string {
    return path.join(this.dir, `${entry.seq}-${entry.kind}.json`);
  }

  filesDirOf(journal: RunJournal): string {
    return path.join(this.dir, `${journal.seq}-run.files`);
  }

  write(entry: SpoolEntry): void {
    mkdirSync(this.dir, { recursive: true });
    const file = this.fileOf(entry);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(entry, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  /** Copies a live run's artifact into the spool so the journal keeps working after the original goes away. */
  keepArtifact(journal: RunJournal, op: Extract<RunOp, { op: 'artifact' }>): void {
    if (!path.isAbsolute(op.file)) return;
    const relative = path.join(`${journal.seq}-run.files`, op.destination);
    mkdirSync(path.dirname(path.join(this.dir, relative)), { recursive: true });
    copyFileSync(op.file, path.join(this.dir, relative));
    op.file = relative;
  }

  artifactPath(op: Extract<RunOp, { op: 'artifact' }>): string {
    return path.isAbsolute(op.file) ? op.file : path.join(this.dir, op.file);
  }

  remove(entry: SpoolEntry): void {
    rmSync(this.fileOf(entry), { force: true });
    if (entry.kind === 'run') rmSync(this.filesDirOf(entry), { recursive: true, force: true });
  }

  runIds(): Record<string, string> {
    const file = path.join(this.dir, RUN_IDS);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  }

  recordRunId(localId: string, runId: string): void {
    mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, RUN_IDS);
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ ...this.runIds(), [localId]: runId }, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }
}
