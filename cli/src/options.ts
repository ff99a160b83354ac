import { parseEventStreamUrl } from '@recsys/core/events/event-stream';
import { parseMemoryQuantity } from '@recsys/trainer/train/memory';
import { InvalidArgumentError } from 'commander';

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A comma-separated list, e.g. `--models als,itemknn`. */
export function commaList(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list, e.g. als,itemknn');
  return items;
}

/** Families to search, each with an optional budget of its own: `--models als:12,itemknn`. */
export interface FamilyChoice {
  names: string[];
  budgets: Record<string, number>;
}

export const MODELS_HELP =
  'comma-separated model families to search, each optionally with its own budget, e.g. als:12,itemknn (default: all)';

export function familyList(value: string): FamilyChoice {
  const choice: FamilyChoice = { names: [], budgets: {} };
  for (const entry of commaList(value)) {
    const [name, budget, extra] = entry.split(':');
    if (extra !== undefined || name === '') {
      throw new InvalidArgumentError(`expected family or family:budget, got ${JSON.stringify(entry)}`);
    }
    choice.names.push(name);
    if (budget !== undefined) choice.budgets[name] = positiveInteger(budget);
  }
  return choice;
}

/** Prints `value` as one line of JSON on stdout (the `--json` contract: snake_case keys, one document). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** `--min-coverage`: a share of the catalogue in [0, 1]. */
export const FOLDS_HELP =
  "rolling-origin validation folds inside the fit period the best candidates are confirmed on (1: the protocol's single split; default: each family its own, 3 or 1)";

/** A share in [0, 1] for `flag` (`--min-coverage`, `--max-jaccard`). */
export function shareOption(flag: string): (value: string) => number {
  return (value) => {
    const share = Number(value);
    if (!(value.trim() !== '' && share >= 0 && share <= 1)) {
      throw new InvalidArgumentError(`${flag}: expected a share in [0, 1], got ${JSON.stringify(value)}`);
    }
    return share;
  };
}

/** `--run <name>`: a run's name (a Job name in a cluster), which also names its directory in the store. */
export function runName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 63)
    throw new InvalidArgumentError(
      `expected a run name (a DNS-1123 label of at most 63 characters), got ${JSON.stringify(value)}`,
    );
  return value;
}

export const MEMORY_BUDGET_HELP =
  "memory one fit's model arrays may take, e.g. 12Gi (default: half the container's memory limit, else half the machine's); a family that cannot fit is skipped with the reason";

/** `--memory-budget`: a Kubernetes quantity such as 12Gi, in bytes. */
export function memorySize(value: string): number {
  try {
    return parseMemoryQuantity(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** An event stream URL (postgres://user@host:5432/database), checked; the password belongs in PGPASSWORD. */
export function eventStreamUrl(value: string): string {
  try {
    return parseEventStreamUrl(value).toString();
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
