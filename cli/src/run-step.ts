import { writeFileSync } from 'node:fs';
import type { PromotionDecision } from '@recsys/core/promotion/gate';
import { type Candidate, type RunResult, runDir, writeRunResult } from '@recsys/core/recmodel/run-result';

/** Where a run step (`--run <name>`) leaves its result: the run's directory in the store, as both runtimes read it. */
export interface RunStepTarget {
  store: string;
  model: string;
  run: string;
  /** Kubernetes' termination message file: one line saying what happened (it is capped at 4 KiB). */
  terminationLog?: string;
}

type Outcome = { step: 'train'; candidate: Candidate } | { step: 'gate'; decision: PromotionDecision };

/**
 * Runs one step of a run and records its outcome as a RunResult: what it produced on success, the error in its own
 * words on failure (then rethrown, so the process still fails). Without a target the step just runs.
 */
export async function recordRunStep<T>(
  target: RunStepTarget | undefined,
  step: Outcome['step'],
  work: () => Promise<T>,
  outcomeOf: (value: T) => Outcome,
): Promise<T> {
  if (!target) return work();
  const dir = runDir(target.store, target.model, target.run);
  const finished = () => ({ run: target.run, finished_at: new Date().toISOString() });
  let value: T;
  try {
    value = await work();
  } catch (error) {
    const failure = { reason: step === 'train' ? 'TrainingFailed' : 'GateFailed', message: (error as Error).message };
    writeRunResult(dir, { ...finished(), step, outcome: 'failed', failure });
    terminationMessage(target, `${failure.reason}: ${failure.message}`);
    throw error;
  }
  const outcome = outcomeOf(value);
  const result: RunResult =
    outcome.step === 'train'
      ? { ...finished(), step: 'train', outcome: 'trained', candidate: outcome.candidate }
      : { ...finished(), step: 'gate', outcome: 'decided', decision: outcome.decision };
  writeRunResult(dir, result);
  terminationMessage(
    target,
    outcome.step === 'train'
      ? `version=${outcome.candidate.version} best=${outcome.candidate.best}`
      : `verdict=${outcome.decision.verdict}`,
  );
  return value;
}

function terminationMessage(target: RunStepTarget, line: string): void {
  if (target.terminationLog) writeFileSync(target.terminationLog, `${line.slice(0, 4000)}\n`);
}
