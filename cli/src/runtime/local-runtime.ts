import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalPostgres } from '@recsys/core/events/local-postgres';
import { latestCronSlot } from '@recsys/core/recmodel/cron';
import { carryOut, type ProductionRegistry, type RecModelEffects } from '@recsys/core/recmodel/effects';
import { type LocalState, readLocalState, withLocalState, writeLocalState } from '@recsys/core/recmodel/local-state';
import { type Action, type ObservedWorld, reconcile } from '@recsys/core/recmodel/reconcile';
import { eventStreamUrl, trainingArgs } from '@recsys/core/recmodel/training-args';
import {
  RETRAIN_ANNOTATION,
  type RecModel,
  type RecModelStatus,
  type ReportSpec,
  RUNTIME_EVENT_STREAM,
  type ServingSpec,
  type Trigger,
} from '@recsys/core/recmodel/types';
import { storeRegistry } from '@recsys/trainer/promotion/store-registry';
import { type ChildExit, ChildProcesses } from './children.ts';
import { type LocalSecrets, localSecrets } from './local-secrets.ts';
import { RunDirectory } from './runs.ts';
import { type LocalPaths, trainingPlaces } from './spec-options.ts';
import { urlBlock } from './urls.ts';

const CLI = fileURLToPath(new URL('../main.ts', import.meta.url));
export const SITE_ENTRY = fileURLToPath(new URL('../../../frontend-astro/dist/server/entry.mjs', import.meta.url));

export interface LocalRuntimeOptions {
  /** Reads the RecModel again (with command-line overrides applied); called on every reconcile. */
  readRecModel: () => RecModel;
  paths: LocalPaths;
  tickMs?: number;
  log: (line: string) => void;
  /** Writes a line as it is (the URL block, which the README quotes). */
  print?: (line: string) => void;
}

const HEARTBEAT_MS = 30_000;
/** A service that died this soon after starting waits before the next start, so a broken one does not spin. */
const RESTART_BACKOFF_MS = 3000;

/**
 * `recsys up`: the local runtime. Observes the store's registry (Production), its run directories, its child
 * processes and the schedules it keeps; lets `reconcile` decide; carries the actions out through core's effects
 * port with child processes and files.
 */
export class LocalRuntime {
  readonly #options: LocalRuntimeOptions;
  readonly #children = new ChildProcesses();
  readonly #lastExit = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #training: string | null = null;
  #gating: string | null = null;
  #announced = false;
  #lastError: string | null = null;
  /** The retrain and report schedules this runtime keeps (set by reconcile's schedule actions). */
  readonly #schedules: Record<'retrain' | 'report', string | null> = { retrain: null, report: null };
  readonly #registry: ProductionRegistry;
  readonly #secrets: LocalSecrets;
  /** The PostgreSQL `spec.serving.eventStream: postgres` asks for: started on first need, data under <var>/postgres. */
  #engine: Promise<LocalPostgres> | undefined;
  /** The arguments the serving child was started with, and the spec settings they came from. */
  #servingArgs: string[] | undefined;
  #servingSettings: string | undefined;

  constructor(options: LocalRuntimeOptions) {
    this.#options = options;
    const { tracking } = options.readRecModel().spec;
    this.#registry = storeRegistry(options.paths.store, tracking.backend === 'mlflow' ? tracking.uri : undefined);
    this.#secrets = localSecrets(options.paths.var);
  }

  start(): void {
    mkdirSync(this.#options.paths.serveLogs, { recursive: true });
    const loop = async () => {
      await this.tick();
      if (!this.#stopped) this.#timer = setTimeout(loop, this.#options.tickMs ?? 2000);
    };
    void loop();
  }

  /** One observe → decide → act pass; a pass asked for while one runs follows it. */
  tick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#ticking) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = (async () => {
      do {
        this.#again = false;
        try {
          await this.#reconcileOnce();
          this.#lastError = null;
        } catch (err) {
          // An invalid spec edit fails every pass until fixed: say so once, not every tick.
          const message = (err as Error).message;
          if (message !== this.#lastError) this.#options.log(`reconcile failed: ${message}`);
          this.#lastError = message;
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#ticking = null;
    });
    return this.#ticking;
  }

  /** Stops the loop and every child (SIGTERM, then SIGKILL after a grace period). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#ticking;
    await this.#children.stopAll();
    await (await this.#engine?.catch(() => undefined))?.stop();
  }

  killChildrenNow(): void {
    this.#children.killAllNow();
    void this.#engine?.then(
      (engine) => engine.crashNow(),
      () => {},
    );
  }

  childPids(): number[] {
    return this.#children.pids();
  }

  async #reconcileOnce(): Promise<void> {
    const { paths } = this.#options;
    const spec = this.#withRetrainRequest(this.#options.readRecModel());
    const stored = readLocalState(paths.statusFile);
    const { recModel, state } = withLocalState(spec, stored);
    const world = await this.#observe(recModel, new Date());
    const { actions } = reconcile(recModel, world);
    if (!actions.some((a) => a.type === 'updateStatus') && stored?.generation !== state.generation)
      writeLocalState(paths.statusFile, state);
    await carryOut(actions, this.#effects(recModel, state));
  }

  /** A touched `<var>/retrain` file is the local twin of the retrain annotation: its time is the request. */
  #withRetrainRequest(recModel: RecModel): RecModel {
    const file = this.#options.paths.retrainRequest;
    if (!existsSync(file)) return recModel;
    const request = statSync(file).mtime.toISOString();
    return {
      ...recModel,
      metadata: {
        ...recModel.metadata,
        annotations: { ...recModel.metadata.annotations, [RETRAIN_ANNOTATION]: request },
      },
    };
  }

  #run(recModel: RecModel, runName: string): RunDirectory {
    return new RunDirectory(this.#options.paths.store, recModel.metadata.name, runName);
  }

  async #observe(recModel: RecModel, now: Date): Promise<ObservedWorld> {
    const productionVersion = this.#registry.production(recModel.metadata.name);
    const runName = recModel.status?.training?.runName;
    const activity = { training: this.#training === runName, gating: this.#gating === runName };
    const run = runName ? this.#run(recModel, runName).observe(activity, productionVersion) : null;
    const servingUp = this.#children.running('serving');
    const health = servingUp ? await readHealth(recModel.spec.serving.port) : null;
    if (health?.ready && !this.#announced) await this.#announce(recModel, health.version);
    const wanted = wantedSchedules(recModel.spec);
    const state = (job: 'retrain' | 'report') => (this.#schedules[job] === wanted[job] ? 'current' : 'outdated');
    return {
      now: now.toISOString(),
      productionVersion,
      run,
      serving: {
        running: servingUp,
        ready: health?.ready ?? false,
        version: health?.version ?? null,
        outdated: servingUp && this.#servingSettings !== servingSettings(recModel.spec.serving),
      },
      frontend: { running: this.#children.running('frontend') },
      // The slots of the schedules this runtime keeps: its twin of the Jobs the CronJobs created.
      scheduledSlot: slotOf(this.#schedules.retrain, now),
      reportSlot: slotOf(this.#schedules.report, now),
      schedules: { retrain: state('retrain'), report: state('report') },
      // Every local run is one this runtime started.
      adoptableRun: null,
    };
  }

  /** The URLs, once the API serves a model and the site (when enabled) answers: what `make start` prints. */
  async #announce(recModel: RecModel, version: string | null): Promise<void> {
    const { serving, frontend } = recModel.spec;
    if (frontend.enabled && !(await answers(`http://127.0.0.1:${frontend.port}/`))) return;
    this.#announced = true;
    this.#options.log(`ready: serving ${recModel.metadata.name} ${version}`);
    const print = this.#options.print ?? this.#options.log;
    for (const line of urlBlock(serving.port, frontend.enabled ? frontend.port : null)) print(line);
  }

  #effects(recModel: RecModel, state: LocalState): RecModelEffects {
    const { paths, log } = this.#options;
    const name = recModel.metadata.name;
    return {
      runExists: (runName) => this.#training === runName || this.#run(recModel, runName).exists(),
      startTraining: async (action) =>
        this.#startTraining(recModel, this.#run(recModel, action.runName), action.trigger),
      gateStartedOrDone: (action) =>
        this.#gating === action.runName ||
        this.#run(recModel, action.runName).gate(false, action.productionVersion) !== undefined,
      startGate: async (action) => this.#startGate(this.#run(recModel, action.runName), name, action),
      applyDecision: (decision) => this.#registry.applyDecision(name, decision),
      discardGate: async (runName) => this.#run(recModel, runName).discardGate(),
      rollServing: async (action) => {
        if (action.replicas === 0) return this.#children.stop('serving');
        const stream = await this.#eventStream(action.eventStream);
        const args = [
          CLI,
          ...['serve', '--store', paths.store, '--model', name, '--follow'],
          ...['--host', '127.0.0.1', '--port', String(action.port), '--log-dir', paths.serveLogs],
          ...['--api-keys-file', this.#secrets.apiKeysFile],
          ...(action.foldInUsers === undefined ? [] : ['--fold-in-users', String(action.foldInUsers)]),
          ...(stream ? ['--event-stream', stream] : []),
        ];
        // Started with other settings (an event stream or a fold-in cap the spec changed): start it again.
        if (this.#children.running('serving') && this.#servingArgs?.join('\0') !== args.join('\0')) {
          log('serving settings changed: restarting serving');
          await this.#children.stop('serving');
        }
        this.#servingArgs = args;
        this.#servingSettings = servingSettings(action);
        this.#ensureService('serving', args, stream ? { PGPASSWORD: this.#secrets.eventStreamPassword } : undefined);
      },
      runFrontend: async (action) => this.#ensureSite(action.port, recModel.spec.serving.port),
      stopFrontend: () => this.#children.stop('frontend'),
      schedule: async (action) => {
        this.#schedules[action.job] = action.schedule;
        log(action.schedule ? `${action.job} on "${action.schedule}"` : `no ${action.job} schedule`);
      },
      writeReport: async (action) => this.#writeReport(action.slot, action.since, action.format),
      writeStatus: async (status: RecModelStatus) => writeLocalState(paths.statusFile, { ...state, status }),
      emitEvent: async (action) =>
        log(`${action.eventType === 'Warning' ? 'warning: ' : ''}${action.reason}: ${action.message}`),
      log,
    };
  }

  /**
   * The URL of the event stream the spec names; for `postgres`, this runtime's own server, started (or started
   * again after it died) on the way.
   */
  async #eventStream(wanted: string | undefined): Promise<string | undefined> {
    if (wanted !== RUNTIME_EVENT_STREAM) return eventStreamUrl(wanted, {});
    const dir = path.join(this.#options.paths.var, 'postgres');
    this.#engine ??= LocalPostgres.start({ dir, password: this.#secrets.eventStreamPassword }).then(
      (engine) => {
        this.#options.log(`event stream: PostgreSQL at ${engine.url} (data in ${engine.dataDir}, PID ${engine.pid})`);
        return engine;
      },
      (err: Error) => {
        this.#engine = undefined;
        throw new Error(`cannot start the event stream's PostgreSQL in ${dir}: ${err.message}`);
      },
    );
    const engine = await this.#engine;
    if (!engine.pid) {
      this.#options.log(`event stream: PostgreSQL had stopped; starting it again on ${engine.url}`);
      await engine.resume();
    }
    return engine.url;
  }

  async #startTraining(recModel: RecModel, dir: RunDirectory, trigger: Trigger): Promise<void> {
    const { log, paths } = this.#options;
    if (this.#training) throw new Error(`run ${this.#training} is still training; ${dir.name} waits for it`);
    const stream = await this.#eventStream(recModel.spec.serving.eventStream);
    dir.create();
    this.#training = dir.name;
    const started = Date.now();
    const production = this.#registry.production(recModel.metadata.name);
    log(
      `training run ${dir.name} (${trigger}); progress follows; ${production ? `${production} keeps serving meanwhile` : 'recommendations start once it is trained and promoted'}`,
    );
    const heartbeat = setInterval(
      () => log(`[${dir.name}] still training (${Math.round((Date.now() - started) / 1000)} s)`),
      HEARTBEAT_MS,
    );
    this.#children.start('train', {
      command: process.execPath,
      args: [CLI, ...trainingArgs(recModel, { ...trainingPlaces(paths), eventStream: stream }), '--run', dir.name],
      env: stream ? { PGPASSWORD: this.#secrets.eventStreamPassword } : undefined,
      logFile: dir.log,
      onStderrLine: (line) => log(`[${dir.name}] ${line}`),
      onExit: (exit) => {
        clearInterval(heartbeat);
        this.#training = null;
        // Stopped by us or by Ctrl-C: no result is recorded, so the run starts again on the next reconcile.
        if (exit.stopped || exit.signal === 'SIGINT' || exit.signal === 'SIGTERM') return;
        dir.recordFailureUnlessDone('train', 'TrainingFailed', exitMessage('recsys retrain', exit));
        log(
          `[${dir.name}] training ended after ${((Date.now() - started) / 1000).toFixed(1)} s (${describeExit(exit)})`,
        );
        void this.tick();
      },
    });
  }

  #startGate(dir: RunDirectory, modelName: string, action: Action<'evaluateGate'>): void {
    const { paths, log } = this.#options;
    this.#gating = dir.name;
    dir.writePolicy(action.policy);
    log(`[${dir.name}] gating ${action.candidateVersion} against ${action.productionVersion ?? 'no Production'}`);
    this.#children.start('gate', {
      command: process.execPath,
      args: [
        CLI,
        ...['promote', '--store', paths.store, '--model', modelName, '--version', action.candidateVersion],
        ...['--policy', dir.policy, '--dry-run', '--run', dir.name],
      ],
      logFile: dir.log,
      onStderrLine: (line) => log(`[${dir.name}] ${line}`),
      onExit: (exit) => {
        this.#gating = null;
        if (exit.stopped || exit.signal === 'SIGINT' || exit.signal === 'SIGTERM') return;
        dir.recordFailureUnlessDone('gate', 'GateFailed', exitMessage('recsys promote --dry-run', exit));
        void this.tick();
      },
    });
  }

  #ensureService(role: 'serving' | 'frontend', args: string[], env?: Record<string, string>): void {
    if (this.#children.running(role)) return;
    const exitedAt = this.#lastExit.get(role);
    if (exitedAt !== undefined && Date.now() - exitedAt < RESTART_BACKOFF_MS) return;
    const { paths, log } = this.#options;
    const started = Date.now();
    log(exitedAt === undefined ? `starting ${role}` : `restarting ${role}`);
    this.#children.start(role, {
      command: process.execPath,
      args,
      env,
      logFile: path.join(paths.var, 'runtime', `${role}.log`),
      onExit: (exit) => {
        if (exit.stopped || this.#stopped) return;
        this.#lastExit.set(role, Date.now() - started < RESTART_BACKOFF_MS ? Date.now() : 0);
        log(`${role} exited (${describeExit(exit)}): ${exit.stderrTail.at(-1) ?? 'no message'}; it will be restarted`);
        void this.tick();
      },
    });
  }

  #siteWarned = false;
  #ensureSite(port: number, apiPort: number): void {
    if (!existsSync(SITE_ENTRY)) {
      if (!this.#siteWarned)
        this.#options.log(
          `the site is not built (${SITE_ENTRY} is missing): run \`cd frontend-astro && npx astro build\``,
        );
      this.#siteWarned = true;
      return;
    }
    this.#ensureService('frontend', [SITE_ENTRY], {
      RECSYS_API_URL: `http://127.0.0.1:${apiPort}`,
      RECSYS_API_KEY: this.#secrets.apiKey,
      RECSYS_SESSION_SECRET: this.#secrets.sessionSecret,
      HOST: '127.0.0.1',
      PORT: String(port),
    });
  }

  #writeReport(slot: string, since: string, format: ReportSpec['format']): void {
    const { paths, log } = this.#options;
    const role = `report:${slot}`;
    if (this.#children.running(role)) return;
    const out = path.join(paths.reports, `${slot.replace(/:/g, '')}.${format === 'json' ? 'json' : 'md'}`);
    log(`writing the report of the ${since} before ${slot} to ${out}`);
    this.#children.start(role, {
      command: process.execPath,
      args: [CLI, 'report', '--log-dir', paths.serveLogs, '--since', since, '--until', slot, '--out', out],
      logFile: path.join(paths.var, 'runtime', 'report.log'),
      onExit: (exit) => {
        if (!exit.stopped && exit.code !== 0)
          log(`the report for ${slot} failed (${describeExit(exit)}): ${exit.stderrTail.at(-1) ?? 'no message'}`);
      },
    });
  }
}

async function readHealth(port: number): Promise<{ ready: boolean; version: string | null } | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await response.json()) as { ready?: boolean; model?: { version?: string } | null };
    return { ready: body.ready === true, version: body.model?.version ?? null };
  } catch {
    return null;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

function exitMessage(what: string, exit: ChildExit): string {
  return `${what} ended with ${describeExit(exit)}: ${exit.stderrTail.at(-1) ?? 'no message'}`;
}

/** The schedules a spec asks for: the retrain cron, and the report's while reports are enabled. */
function wantedSchedules(spec: RecModel['spec']): Record<'retrain' | 'report', string | null> {
  return { retrain: spec.schedule ?? null, report: spec.report.enabled ? spec.report.schedule : null };
}

function slotOf(schedule: string | null, now: Date): string | null {
  return schedule === null ? null : (latestCronSlot(schedule, now)?.toISOString() ?? null);
}

/** The spec's serving settings that change how serving runs (beyond its version): a change restarts it. */
function servingSettings(serving: Pick<ServingSpec, 'foldInUsers' | 'eventStream'>): string {
  return JSON.stringify([serving.foldInUsers ?? null, serving.eventStream ?? null]);
}
