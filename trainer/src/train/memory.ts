import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { ModelFamily, Params } from './family.ts';
import type { FitWindow } from './window.ts';

/** How much memory the model families' own arrays may take in one fit, and where that figure came from. */
export interface MemoryBudget {
  bytes: number;
  source: 'given' | 'container limit' | 'machine memory';
}

/**
 * Share of the container limit (or of the machine) the models get by default: the rest holds the prepared data,
 * the evaluation's buffers, the gate's copy of the winner and Node itself.
 */
export const DEFAULT_BUDGET_SHARE = 0.5;

const CGROUP_LIMITS = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];

/** The memory limit of this process's container (cgroup v2, then v1); undefined when there is none. */
export function containerMemoryLimit(files: readonly string[] = CGROUP_LIMITS): number | undefined {
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8').trim();
    const bytes = Number(text);
    // "max" (v2) or a huge sentinel (v1, page-rounded 2^63) both mean no limit.
    if (text !== 'max' && Number.isFinite(bytes) && bytes > 0 && bytes < 2 ** 60) return bytes;
  }
  return undefined;
}

/** The budget given, else half the container limit, else half the machine's memory. */
export function memoryBudget(given?: number, limit = containerMemoryLimit()): MemoryBudget {
  if (given !== undefined) return { bytes: given, source: 'given' };
  if (limit !== undefined) return { bytes: Math.floor(limit * DEFAULT_BUDGET_SHARE), source: 'container limit' };
  return { bytes: Math.floor(totalmem() * DEFAULT_BUDGET_SHARE), source: 'machine memory' };
}

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes memory quantity ("12Gi", "500M", "1073741824") in bytes; throws saying what is accepted. */
export function parseMemoryQuantity(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(text.trim());
  if (!match) {
    throw new Error(
      `memory budget ${JSON.stringify(text)}: expected a byte count or a Kubernetes quantity such as 12Gi, 8G or 512Mi`,
    );
  }
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2] ?? '']);
  if (bytes < 1) throw new Error(`memory budget ${JSON.stringify(text)} is zero; give a positive size`);
  return bytes;
}

/** Bytes as people read them in a reason: "14.3 GiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * The family as it fits in `bytes` on `window`: its candidates bounded (or dropped) by its own `withinMemory`, with
 * the reasons for what was dropped. A family without the hook is taken as it is.
 */
export function familyWithinMemory(
  family: ModelFamily,
  window: FitWindow,
  bytes: number,
): { family: ModelFamily; dropped: Set<string> } {
  const within = family.withinMemory;
  const dropped = new Set<string>();
  if (!within) return { family, dropped };
  return {
    dropped,
    family: {
      ...family,
      candidates(budget) {
        const kept: Params[] = [];
        for (const params of family.candidates(budget)) {
          const fit = within.call(family, window, params, bytes);
          if ('reason' in fit) dropped.add(fit.reason);
          else kept.push(fit.params);
        }
        return kept;
      },
    },
  };
}
