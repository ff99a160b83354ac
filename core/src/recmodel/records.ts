import type { PromotionDecision } from '../promotion/gate.ts';
import {
  type Failure,
  HISTORY_LIMIT,
  type HistoryEntry,
  RETRAIN_ANNOTATION,
  type RecModelStatus,
  type TrainingRunStatus,
} from './types.ts';

// The status records and messages reconcile writes: failures and their backoff, history entries, event texts.

/** Backoff between attempts of a failed run: 30 s, doubling, at most 30 min, 5 attempts in all. */
export const RETRY_BACKOFF = { initialMs: 30_000, maxMs: 30 * 60_000, maxAttempts: 5 } as const;

function backoffMs(attempts: number): number {
  return Math.min(RETRY_BACKOFF.initialMs * 2 ** (attempts - 1), RETRY_BACKOFF.maxMs);
}

export function tokenOf(training: TrainingRunStatus, status: RecModelStatus): string | undefined {
  if (training.trigger === 'annotation') return status.lastRetrainRequest;
  if (training.trigger === 'schedule') return status.lastScheduledSlot;
  return status.trainedSpecHash;
}

export function failureOf(
  training: TrainingRunStatus,
  run: { name: string; finishedAt?: string },
  failure: { reason: string; message: string; finishedAt?: string } | undefined,
  step: Failure['step'],
  now: string,
): Failure {
  const attempts = training.attempt;
  const at = run.finishedAt ?? now;
  return {
    runName: run.name,
    step,
    reason: failure?.reason ?? 'Unknown',
    message: failure?.message ?? 'the run failed without a message',
    at,
    attempts,
    retryAt:
      attempts < RETRY_BACKOFF.maxAttempts ? new Date(Date.parse(at) + backoffMs(attempts)).toISOString() : undefined,
  };
}

export function handled(status: RecModelStatus, runName: string): boolean {
  return status.history.some((h) => h.runName === runName) || status.lastFailure?.runName === runName;
}

/** The status without absent fields, so a runtime can replace the status with it as it is. */
export function withoutUndefined(status: RecModelStatus): RecModelStatus {
  return JSON.parse(JSON.stringify(status)) as RecModelStatus;
}

export function failureReason(failure: Failure): string {
  return failure.step === 'train' ? 'TrainingFailed' : 'GateFailed';
}

export function failureMessage(failure: Failure): string {
  const next = failure.retryAt
    ? `retrying at ${failure.retryAt}`
    : `gave up after ${failure.attempts} attempts; change the spec or set the ${RETRAIN_ANNOTATION} annotation to try again`;
  return `${failure.step === 'train' ? 'training' : 'the promotion gate'} of run ${failure.runName} failed (attempt ${failure.attempts} of ${RETRY_BACKOFF.maxAttempts}): ${failure.reason}: ${failure.message}; ${next}`;
}

export function retainMessage(decision: PromotionDecision): string {
  const rules = decision.failed_rules.length > 0 ? decision.failed_rules.join('; ') : 'no rule recorded';
  return `${decision.summary} [failed: ${rules}]`;
}

export function describeTrigger(training: TrainingRunStatus): string {
  const attempt = training.attempt > 1 ? `, attempt ${training.attempt}` : '';
  const why = {
    initial: 'no Production model yet',
    spec: `spec generation ${training.generation} changed the training inputs`,
    annotation: `asked for by the ${RETRAIN_ANNOTATION} annotation`,
    schedule: 'scheduled retrain',
    manual: 'started by hand from the retrain CronJob',
  }[training.trigger];
  return `${why}${attempt}`;
}

export function historyEntry(
  training: TrainingRunStatus,
  runName: string,
  version: string,
  decision: PromotionDecision,
  now: string,
): HistoryEntry {
  return {
    version,
    stage: decision.verdict === 'promote' ? 'Production' : 'Archived',
    verdict: decision.verdict,
    summary: decision.summary,
    metrics: Object.fromEntries(decision.metrics.map((m) => [m.name, m.candidate])),
    comparedWith: decision.production_version ?? undefined,
    productionMetrics: decision.production_version
      ? Object.fromEntries(decision.metrics.flatMap((m) => (m.production === null ? [] : [[m.name, m.production]])))
      : undefined,
    gateWindow: decision.gate_window,
    failedRules: decision.failed_rules,
    runName,
    trigger: training.trigger,
    decidedAt: now,
  };
}

/** Appends a decision, archives the Production it replaced, and keeps the newest HISTORY_LIMIT entries. */
export function appendHistory(history: HistoryEntry[], entry: HistoryEntry, replaced: string | null): HistoryEntry[] {
  const updated = history.map((h) =>
    replaced !== null && h.version === replaced && h.stage === 'Production' ? { ...h, stage: 'Archived' as const } : h,
  );
  return [...updated, entry].slice(-HISTORY_LIMIT);
}
