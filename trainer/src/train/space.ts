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
 * `budget` candidates: `start`, then seeded random draws from the space (log axes drawn log-uniformly and kept to
 * two significant digits), without repeats. The same space, budget and seed give the same candidates.
 */
export function sampleSpace(space: SearchSpace, budget: number, seed: number): Params[] {
  const fixed = space.fixed ?? {};
  const first = { ...space.start, ...fixed };
  const candidates = [first];
  const seen = new Set([key(first)]);
  const random = mulberry32(seed);
  const size = spaceSize(space);
  // A small discrete space runs out of new points: stop after many repeats rather than loop for ever.
  for (let misses = 0; candidates.length < Math.min(budget, size) && misses < 1000; ) {
    const drawn: Params = { ...fixed };
    for (const [name, axis] of Object.entries(space.axes)) drawn[name] = draw(axis, random);
    if (seen.has(key(drawn))) {
      misses++;
      continue;
    }
    seen.add(key(drawn));
    candidates.push(drawn);
  }
  return candidates;
}

function draw(axis: Axis, random: () => number): Value {
  if ('values' in axis) return axis.values[Math.floor(random() * axis.values.length)];
  if ('log' in axis) {
    const [low, high] = axis.log;
    const value = Number(Math.exp(Math.log(low) + random() * Math.log(high / low)).toPrecision(2));
    return axis.integer ? Math.round(value) : value;
  }
  const [low, high] = axis.linear;
  const steps = Math.round((high - low) / axis.step);
  return Number((low + Math.floor(random() * (steps + 1)) * axis.step).toFixed(10));
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
