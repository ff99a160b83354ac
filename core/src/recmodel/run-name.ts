import { createHash } from 'node:crypto';
import type { RecModelSpec, Trigger } from './types.ts';

/** JSON with object keys sorted, so equal values always serialise (and hash) the same. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const shortHash = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);

/** The spec sections that shape a trained model; a change to serving, frontend or report alone never retrains. */
export function trainingSpecHash(spec: RecModelSpec): string {
  return shortHash(
    stableJson({ dataset: spec.dataset, models: spec.models, selection: spec.selection, promotion: spec.promotion }),
    16,
  );
}

/** What tells two runs of the same generation and trigger apart: the annotation value or the schedule slot. */
export interface RunKey {
  name: string;
  generation: number;
  trigger: Trigger;
  /** The retrain annotation's value, the ISO schedule slot, or the training spec hash (initial and spec). */
  token?: string;
  attempt: number;
}

/** A CronJob's name may be at most 52 characters: its controller appends `-<minutes>` to name each Job. */
const CRONJOB_NAME_LIMIT = 52;

const label = (prefix: string, suffix: string, limit = 63) =>
  `${prefix.slice(0, limit - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;

/** The retraining CronJob of a RecModel in a cluster (the operator creates it for spec.schedule). */
export function retrainCronJobName(name: string): string {
  return label(name, 'retrain', CRONJOB_NAME_LIMIT);
}

/**
 * A deterministic run name (a DNS-1123 label of at most 63 characters, so it can name a Job and its pods):
 * the same generation, trigger, token and attempt always give the same name, which makes creating it idempotent.
 * A scheduled run is named as the cronjob controller names the Job it creates for that slot
 * (`<cronjob>-<slot in Unix minutes>`), so the operator finds that Job instead of starting a second one.
 */
export function runNameFor(key: RunKey): string {
  const attempt = key.attempt > 1 ? `-a${key.attempt}` : '';
  if (key.trigger === 'schedule') {
    const minutes = Math.floor(Date.parse(key.token ?? '') / 60_000);
    if (!Number.isFinite(minutes)) throw new Error(`a scheduled run needs its ISO slot time, got "${key.token}"`);
    return `${retrainCronJobName(key.name)}-${minutes}${attempt}`;
  }
  const parts = [`g${key.generation}`];
  if (key.trigger === 'annotation') parts.push(`r${shortHash(key.token ?? '', 8)}`);
  // A local RecModel file has no generation, so the training spec's hash tells its versions apart.
  else parts.push((key.token ?? '').slice(0, 8));
  return label(key.name, `${parts.join('-')}${attempt}`);
}
