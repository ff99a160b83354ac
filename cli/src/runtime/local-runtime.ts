import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PromotionDecision } from '@recsys/core/promotion/gate';
import type { PromotionPolicy } from '@recsys/core/promotion/policy';
import { specSlots } from '@recsys/core/recmodel/cron';
import { readLocalState, withLocalState, writeLocalState } from '@recsys/core/recmodel/local-state';
import { type ObservedWorld, reconcile } from '@recsys/core/recmodel/reconcile';
import {
  RETRAIN_ANNOTATION,
  type RecModel,
  type RecModelStatus,
  type ReportSpec,
  type Trigger,
} from '@recsys/core/recmodel/types';
import { readProductionPointer } from '@recsys/core/registry/pointer';
import { applyDecision } from '@recsys/trainer/promotion/promote';
import type { CandidateResult } from '@recsys/trainer/retrain/retrain';
import { type ChildExit, ChildProcesses } from './children.ts';
import { executeActions, type RuntimeEffects } from './executor.ts';
import { type LocalSecrets, localSecrets } from './local-secrets.ts';
import { RunDirectory } from './runs.ts';
import type { LocalPaths } from './spec-options.ts';

const CLI = fileURLToPath(new URL('../main.ts', import.meta.url));
export const SITE_ENTRY = fileURLToPath(new URL('../../../frontend-astro/dist/server/entry.mjs', import.meta.url));

export interface LocalRuntimeOptions {
  /** The RecModel file, handed to training runs (`recsys retrain -f`). */
  specFile: string;
  /** Reads the RecModel again (with command-line overrides applied); called on every reconcile. */
  readRecModel: () => RecModel;
  paths: LocalPaths;
  /** Extra `recsys retrain` flags for every run (e.g. `--source` when the command line overrides the spec's). */
  retrainArgs?: string[];
  tickMs?: number;
  log: (line: string) => void;
}

const HEARTBEAT_MS = 30_000;
/** A service that died this soon after starting waits before the next start, so a broken one does not spin. */
const RESTART_BACKOFF_MS = 3000;

/**
 * `recsys up`: the local runtime. Observes the store's Production pointer, its run directories, its child
 * processes and the schedules; lets `reconcile` decide; carries the actions out with child processes.
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

  readonly #secrets: LocalSecrets;

  constructor(options: LocalRuntimeOptions) {
    this.#options = options;
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
  }

  killChildrenNow(): void {
    this.#children.killAllNow();
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
    await executeActions(actions, this.#effects(recModel, state));
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

  async #observe(recModel: RecModel, now: Date): Promise<ObservedWorld> {
    const { paths } = this.#options;
    const name = recModel.metadata.name;
    const runName = recModel.status?.training?.runName;
    const run = runName
      ? new RunDirectory(paths.runs, runName).observe({
          training: this.#training === runName,
          gating: this.#gating === runName,
        })
      : null;
    const servingUp = this.#children.running('serving');
    const health = servingUp ? await readHealth(recModel.spec.serving.port) : null;
    if (health?.ready && !this.#announced) {
      this.#announced = true;
      const { serving, frontend } = recModel.spec;
      const site = frontend.enabled ? `, site http://127.0.0.1:${frontend.port}` : '';
      this.#options.log(`ready: API http://127.0.0.1:${serving.port} serving ${health.version}${site}`);
    }
    return {
      now: now.toISOString(),
      productionVersion: readProductionPointer(paths.store, name),
      run,
      serving: { running: servingUp, ready: health?.ready ?? false, version: health?.version ?? null },
      frontend: { running: this.#children.running('frontend') },
      ...specSlots(recModel.spec, now),
    };
  }

  #effects(recModel: RecModel, state: ReturnType<typeof withLocalState>['state']): RuntimeEffects {
    const { paths, log } = this.#options;
    const name = recModel.metadata.name;
    const run = (runName: string) => new RunDirectory(paths.runs, runName);
    const idle = { training: false, gating: false };
    return {
      runExists: (runName) => this.#training === runName || run(runName).observe(idle) !== null,
      startTraining: (runName, trigger) => this.#startTraining(run(runName), trigger),
      gateStartedOrDone: (runName) => this.#gating === runName || run(runName).observe(idle)?.gate !== undefined,
      startGate: (runName, version, policy) => this.#startGate(run(runName), name, version, policy),
      applyDecision: async (decision: PromotionDecision) => {
        const result = await applyDecision({ store: paths.store, modelName: name, decision });
        if (result.outcome === 'applied' && result.tracking_error)
          log(`the tracker did not take the decision on ${decision.candidate_version}: ${result.tracking_error}`);
        return result.outcome;
      },
      discardGate: (runName) => run(runName).discardGate(),
      ensureServing: (port) =>
        this.#ensureService('serving', [
          CLI,
          'serve',
          '--store',
          paths.store,
          '--model',
          name,
          '--follow',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--log-dir',
          paths.serveLogs,
          '--api-keys-file',
          this.#secrets.apiKeysFile,
        ]),
      stopServing: () => this.#children.stop('serving'),
      ensureFrontend: (port) => this.#ensureSite(port, recModel.spec.serving.port),
      stopFrontend: () => this.#children.stop('frontend'),
      writeReport: (slot, since, format) => this.#writeReport(slot, since, format),
      writeStatus: (status: RecModelStatus) => writeLocalState(paths.statusFile, { ...state, status }),
      log,
    };
  }

  #startTraining(dir: RunDirectory, trigger: Trigger): void {
    const { log } = this.#options;
    if (this.#training) throw new Error(`run ${this.#training} is still training; ${dir.name} waits for it`);
    dir.create();
    this.#training = dir.name;
    const started = Date.now();
    log(`training run ${dir.name} (${trigger}); progress follows, the server keeps serving meanwhile`);
    const heartbeat = setInterval(
      () => log(`[${dir.name}] still training (${Math.round((Date.now() - started) / 1000)} s)`),
      HEARTBEAT_MS,
    );
    const args = [CLI, 'retrain', '-f', this.#options.specFile, '--var', this.#options.paths.var];
    args.push(...(this.#options.retrainArgs ?? []), '--candidate-only', '--json');
    this.#children.start('train', {
      command: process.execPath,
      args,
      logFile: dir.file('log'),
      collectStdout: true,
      onStderrLine: (line) => log(`[${dir.name}] ${line}`),
      onExit: (exit) => {
        clearInterval(heartbeat);
        this.#training = null;
        // Stopped by us or by Ctrl-C: no result is recorded, so the run starts again on the next reconcile.
        if (exit.stopped || exit.signal === 'SIGINT' || exit.signal === 'SIGTERM') return;
        const candidate = exit.code === 0 ? parseJson<CandidateResult>(exit.stdout) : null;
        if (candidate?.version) {
          dir.write('candidate', candidate);
          log(`[${dir.name}] trained ${candidate.version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        } else dir.write('trainFailure', failureOf('TrainingFailed', 'recsys retrain', exit));
        void this.tick();
      },
    });
  }

  #startGate(dir: RunDirectory, modelName: string, version: string, policy: PromotionPolicy): void {
    const { paths, log } = this.#options;
    this.#gating = dir.name;
    dir.write('policy', policy);
    log(`[${dir.name}] gating ${version} against Production`);
    this.#children.start('gate', {
      command: process.execPath,
      args: [
        CLI,
        'promote',
        '--store',
        paths.store,
        '--model',
        modelName,
        '--version',
        version,
        '--policy',
        dir.file('policy'),
        '--dry-run',
        '--json',
      ],
      logFile: dir.file('log'),
      collectStdout: true,
      onStderrLine: (line) => log(`[${dir.name}] ${line}`),
      onExit: (exit) => {
        this.#gating = null;
        if (exit.stopped || exit.signal === 'SIGINT' || exit.signal === 'SIGTERM') return;
        const decision =
          exit.code === 0 ? parseJson<PromotionDecision & { failed_rules?: string[] }>(exit.stdout) : null;
        if (decision?.verdict) dir.write('decision', { ...decision, failed_rules: decision.failed_rules ?? [] });
        else dir.write('gateFailure', failureOf('GateFailed', 'recsys promote --dry-run', exit));
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

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text.trim().split('\n').at(-1) ?? '') as T;
  } catch {
    return null;
  }
}

function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

function failureOf(reason: string, what: string, exit: ChildExit) {
  const detail = exit.stderrTail.at(-1) ?? 'no message';
  return {
    reason,
    message: `${what} ended with ${describeExit(exit)}: ${detail}`,
    finished_at: new Date().toISOString(),
  };
}
