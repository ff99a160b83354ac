import { mulberry32 } from '@recsys/core/metrics/prng';
import type { Params } from './family.ts';

type Value = Params[string];

/** One hyperparameter's range: a list of values, or a continuous range drawn on a log or linear scale. */
export type Axis =
  | { values: readonly Value[] }
  | { log: [number, number]; integer?: boolean }
  | { linear: [number, number]; step: number };

/**
 * A family's search space (issue 19): wide enough that the optimum of every dataset we know lies inside, not
 * centred on one dataset's. `start` is tried first, so a budget of one is a sensible model on its own.
 */
export interface SearchSpace {
  axes: Record<string, Axis>;
  /** Parameters every candidate carries unchanged (e.g. iterations). */
  fixed?: Params;
  start: Params;
}

/**
 * `budget` candidates: `start`, then points of a scrambled Halton sequence over the space (quasi-random: spread more
 * evenly than independent draws, so a small budget still reaches the corners), log axes drawn on a log scale and
 * kept to two significant digits, without repeats. The same space, budget and seed give the same candidates.
 */
export function sampleSpace(space: SearchSpace, budget: number, seed: number): Params[] {
  const fixed = space.fixed ?? {};
  const first = { ...space.start, ...fixed };
  const candidates = [first];
  const seen = new Set([key(first)]);
  const axes = Object.entries(space.axes);
  const shift = mulberry32(seed);
  const offsets = axes.map(() => shift());
  const size = spaceSize(space);
  // A small discrete space runs out of new points: stop after many repeats rather than loop for ever.
  for (let index = 1, misses = 0; candidates.length < Math.min(budget, size) && misses < 1000; index++) {
    const drawn: Params = { ...fixed };
    axes.forEach(([name, axis], a) => {
      drawn[name] = draw(axis, (halton(index, PRIMES[a % PRIMES.length]) + offsets[a]) % 1);
    });
    if (seen.has(key(drawn))) {
      misses++;
      continue;
    }
    seen.add(key(drawn));
    candidates.push(drawn);
  }
  return candidates;
}

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19];

/** The radical inverse of `index` in `base`: the Halton sequence's coordinate in [0, 1). */
function halton(index: number, base: number): number {
  let result = 0;
  let fraction = 1 / base;
  for (let i = index; i > 0; i = Math.floor(i / base), fraction /= base) result += (i % base) * fraction;
  return result;
}

/** The axis value at position `u` in [0, 1). */
function draw(axis: Axis, u: number): Value {
  if ('values' in axis) return axis.values[Math.floor(u * axis.values.length)];
  if ('log' in axis) {
    const [low, high] = axis.log;
    const value = Number(Math.exp(Math.log(low) + u * Math.log(high / low)).toPrecision(2));
    return axis.integer ? Math.round(value) : value;
  }
  const [low, high] = axis.linear;
  const steps = Math.round((high - low) / axis.step);
  return Number((low + Math.floor(u * (steps + 1)) * axis.step).toFixed(10));
}

/** How many distinct candidates the space holds (Infinity with a continuous axis). */
function spaceSize(space: SearchSpace): number {
  let size = 1;
  for (const axis of Object.values(space.axes)) {
    if ('values' in axis) size *= axis.values.length;
    else if ('linear' in axis) size *= Math.round((axis.linear[1] - axis.linear[0]) / axis.step) + 1;
    else size = Number.POSITIVE_INFINITY;
  }
  return size;
}

function key(params: Params): string {
  return JSON.stringify(
    Object.keys(params)
      .sort()
      .map((name) => [name, params[name]]),
  );
}
