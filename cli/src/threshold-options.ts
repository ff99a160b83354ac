import type { Thresholds } from '@recsys/trainer/data/protocol';
import { type Command, InvalidArgumentError } from 'commander';
import { positiveInteger } from './options.ts';

function rating(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0.5 || n > 5) {
    throw new InvalidArgumentError(`expected a rating from 0.5 to 5, got ${JSON.stringify(value)}`);
  }
  return n;
}

export interface ThresholdFlags {
  positiveRating?: number;
  minUserPositives?: number;
  minItemPositives?: number;
  iterative?: boolean;
}

/** The flags that replace PROTOCOL.md's thresholds (the RecModel's `spec.dataset` fields), on any command that prepares data. */
export function thresholdOptions(command: Command): Command {
  return command
    .option('--positive-rating <r>', 'ratings at or above this count as positives (protocol: 4)', rating)
    .option('--min-item-positives <n>', 'drop movies with fewer positives (protocol: 10)', positiveInteger)
    .option('--min-user-positives <n>', 'then drop users with fewer positives (protocol: 5)', positiveInteger)
    .option('--iterative', 'repeat the two filters until no movie or user falls below them (protocol: one pass)');
}

/** Only the thresholds a flag gave: the rest stay the protocol's (or the RecModel's, under -f). */
export function thresholdsFrom(flags: ThresholdFlags): Partial<Thresholds> {
  const given: Partial<Thresholds> = {};
  if (flags.positiveRating !== undefined) given.positiveRating = flags.positiveRating;
  if (flags.minItemPositives !== undefined) given.minItemPositives = flags.minItemPositives;
  if (flags.minUserPositives !== undefined) given.minUserPositives = flags.minUserPositives;
  if (flags.iterative !== undefined) given.iterative = flags.iterative;
  return given;
}
