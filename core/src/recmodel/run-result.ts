import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PromotionDecisionSchema } from '../promotion/gate.ts';
import type { ObservedGate, ObservedRun } from './reconcile.ts';

/**
 * What a run's steps leave behind, in both runtimes: `<store>/<model>/runs/<run name>/train.json` (the trained
 * candidate) and `gate.json` (the gate's dry-run decision), each a RunResult written whole by the step itself,
 * success or failure. A run is a Job (cluster) or a child process (local); either way the runtime reads these.
 */
export const RUN_STEPS = ['train', 'gate'] as const;
export type RunStep = (typeof RUN_STEPS)[number];

export function runDir(store: string, model: string, runName: string): string {
  return path.join(store, model, 'runs', runName);
}

export function runResultFile(dir: string, step: RunStep): string {
  return path.join(dir, `${step}.json`);
}

/** A trained candidate, registered at stage None and not yet gated. */
export const CandidateSchema = z
  .object({
    version: z.string().min(1),
    /** Production when the candidate was trained (its parent); null for the first model. */
    production_version: z.string().min(1).nullable(),
    /** The winning family of the search. */
    best: z.string().min(1),
    /** The candidate's validation metrics, from its manifest. */
    metrics: z.record(z.string(), z.number()),
  })
  .strict();

const time = z.iso.datetime({ offset: true });
const common = { run: z.string().min(1), finished_at: time };

export const RunResultSchema = z.discriminatedUnion('outcome', [
  z.object({ ...common, step: z.literal('train'), outcome: z.literal('trained'), candidate: CandidateSchema }).strict(),
  z
    .object({ ...common, step: z.literal('gate'), outcome: z.literal('decided'), decision: PromotionDecisionSchema })
    .strict(),
  z
    .object({
      ...common,
      step: z.enum(RUN_STEPS),
      outcome: z.literal('failed'),
      /** What went wrong, in the step's own words (the error a person can act on, not only an exit code). */
      failure: z.object({ reason: z.string().min(1), message: z.string() }).strict(),
    })
    .strict(),
]);
export type RunResult = z.infer<typeof RunResultSchema>;
export type Candidate = z.infer<typeof CandidateSchema>;

/** A step's result, or null when it has not written one; a file that does not parse reads as a failure saying why. */
export function readRunResult(dir: string, step: RunStep): RunResult | null {
  const file = runResultFile(dir, step);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const failed = (message: string): RunResult => ({
    run: path.basename(dir),
    step,
    outcome: 'failed',
    finished_at: new Date().toISOString(),
    failure: { reason: 'BadResult', message: `${file} ${message}` },
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return failed(`is not JSON: ${(error as Error).message}`);
  }
  const parsed = RunResultSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return failed(`is not a run result: ${issues}`);
  }
  if (parsed.data.step !== step) return failed(`holds a ${parsed.data.step} result, expected ${step}`);
  return parsed.data;
}

/** Written to a temp file and renamed, so a reader sees no result or the whole one. */
export function writeRunResult(dir: string, result: RunResult): void {
  const file = runResultFile(dir, result.step);
  mkdirSync(dir, { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, `${JSON.stringify(RunResultSchema.parse(result), null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

export function discardRunResult(dir: string, step: RunStep): void {
  rmSync(runResultFile(dir, step), { force: true });
}

/** A finished training step as reconcile observes it. */
export function observedTraining(name: string, result: RunResult): ObservedRun {
  if (result.outcome === 'failed')
    return { name, phase: 'Failed', failure: result.failure, finishedAt: result.finished_at };
  if (result.outcome !== 'trained') {
    const failure = { reason: 'BadResult', message: `the training result of ${name} holds no candidate` };
    return { name, phase: 'Failed', failure, finishedAt: result.finished_at };
  }
  const { version, metrics } = result.candidate;
  return { name, phase: 'Succeeded', candidate: { version, metrics }, finishedAt: result.finished_at };
}

/**
 * A finished gate as reconcile observes it. A decision taken against a Production that has since moved is as good
 * as none (undefined: gate again), unless Production moved to the candidate itself (the decision was applied).
 */
export function observedGate(result: RunResult, productionVersion: string | null): ObservedGate | undefined {
  if (result.outcome === 'failed')
    return {
      phase: 'Failed',
      reason: result.failure.reason,
      message: result.failure.message,
      finishedAt: result.finished_at,
    };
  if (result.outcome !== 'decided') {
    return { phase: 'Failed', reason: 'BadResult', message: `the gate result of ${result.run} holds no decision` };
  }
  const { decision } = result;
  const current = decision.production_version === productionVersion || decision.candidate_version === productionVersion;
  return current ? { phase: 'Decided', decision } : undefined;
}
