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

/**
 * A deterministic run name (a DNS-1123 label of at most 63 characters, so it can name a Job and its pods):
 * the same generation, trigger, token and attempt always give the same name, which makes creating it idempotent.
 */
export function runNameFor(key: RunKey): string {
  const parts = [`g${key.generation}`];
  if (key.trigger === 'annotation') parts.push(`r${shortHash(key.token ?? '', 8)}`);
  if (key.trigger === 'schedule') parts.push(`s${(key.token ?? '').replace(/[^0-9]/g, '').slice(0, 12)}`);
  // A local RecModel file has no generation, so the training spec's hash tells its versions apart.
  if (key.trigger === 'initial' || key.trigger === 'spec') parts.push((key.token ?? '').slice(0, 8));
  if (key.attempt > 1) parts.push(`a${key.attempt}`);
  const suffix = parts.join('-');
  const prefix = key.name.slice(0, 63 - suffix.length - 1).replace(/-+$/, '');
  return `${prefix}-${suffix}`;
}
