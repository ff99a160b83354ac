import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGroundTruth, trueAffinity } from './ground-truth.ts';
import { prepareDataset } from './prepare.ts';
import { readPrepared } from './prepared.ts';
import { Random } from './random.ts';
import { synthesize } from './synth.ts';

const shape = { users: 500, items: 1000, interactions: 30_000, seed: 11 };
let work: { dir: string; cleanup: () => void };
const synthDir = () => path.join(work.dir, 'synth');

beforeAll(() => {
  work = tempDir('recsys-synth-');
  synthesize({ ...shape, out: synthDir() });
});
afterAll(() => work.cleanup());

function ratingLines(dir: string): number[][] {
  return readFileSync(path.join(dir, 'ratings.dat'), 'latin1')
    .trimEnd()
    .split('\n')
    .map((line) => line.split('::').map(Number));
}

describe('synthesize', () => {
  it('writes ML-1M-layout files with exactly the requested counts', () => {
    const rows = ratingLines(synthDir());
    expect(rows).toHaveLength(shape.interactions);
    expect(new Set(rows.map((r) => r[0])).size).toBe(shape.users);
    expect(rows.every((r) => r.length === 4 && r[2] >= 1 && r[2] <= 5 && Number.isInteger(r[3]))).toBe(true);
    expect(new Set(rows.map((r) => `${r[0]}:${r[1]}`)).size).toBe(shape.interactions);
    const movies = readFileSync(path.join(synthDir(), 'movies.dat'), 'latin1').trimEnd().split('\n');
    expect(movies).toHaveLength(shape.items);
    expect(movies.every((line) => /^\d+::[^:]+::[A-Za-z'|-]+$/.test(line))).toBe(true);
    expect(readFileSync(path.join(synthDir(), 'users.dat'), 'latin1').trimEnd().split('\n')).toHaveLength(shape.users);
    // ML-1M's share of ratings >= 4 is 57.5%.
    const positives = rows.filter((r) => r[2] >= 4).length / rows.length;
    expect(positives).toBeGreaterThan(0.55);
    expect(positives).toBeLessThan(0.6);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    synthesize({ ...shape, out: path.join(work.dir, 'same') });
    synthesize({ ...shape, seed: 12, out: path.join(work.dir, 'other') });
    for (const file of readdirSync(synthDir())) {
      expect(
        readFileSync(path.join(work.dir, 'same', file)).equals(readFileSync(path.join(synthDir(), file))),
        file,
      ).toBe(true);
    }
    expect(
      readFileSync(path.join(work.dir, 'other', 'ratings.dat')).equals(
        readFileSync(path.join(synthDir(), 'ratings.dat')),
      ),
    ).toBe(false);
  });

  it('has heavy-tailed activity, users arriving over time and popularity that drifts', () => {
    const rows = ratingLines(synthDir());
    const perUser = new Map<number, number>();
    const firstSeen = new Map<number, number>();
    for (const [user, , , time] of rows) {
      perUser.set(user, (perUser.get(user) ?? 0) + 1);
      firstSeen.set(user, Math.min(firstSeen.get(user) ?? Infinity, time));
    }
    const counts = [...perUser.values()].sort((a, b) => a - b);
    expect(counts.at(-1)! / counts[counts.length >> 1]).toBeGreaterThan(5);

    const times = rows.map((r) => r[3]).sort((a, b) => a - b);
    const [start, end] = [times[0], times.at(-1)!];
    const lateArrivals = [...firstSeen.values()].filter((t) => t > start + (end - start) / 2).length;
    expect(lateArrivals / shape.users).toBeGreaterThan(0.15);

    // The most rated movies of the first and the last third of the period barely overlap.
    const top = (from: number, to: number) => {
      const count = new Map<number, number>();
      for (const [, movie, , time] of rows)
        if (time >= from && time < to) count.set(movie, (count.get(movie) ?? 0) + 1);
      return new Set(
        [...count.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 20)
          .map(([movie]) => movie),
      );
    };
    const third = (end - start) / 3;
    const early = top(start, start + third);
    const late = top(end - third, end + 1);
    expect([...early].filter((m) => late.has(m)).length).toBeLessThan(10);
  });

  it("users' held-out positives follow their hidden taste far above chance", async () => {
    const out = path.join(work.dir, 'prepared');
    await prepareDataset({ source: synthDir(), out });
    const data = readPrepared(out);
    const truth = readGroundTruth(synthDir());
    const random = new Random(5);
    // AUC: how often a test positive beats a random catalogue movie on the user's true taste (chance = 0.5).
    let wins = 0;
    let pairs = 0;
    for (let u = 0; u < data.test.rows; u++) {
      for (let k = data.test.indptr[u]; k < data.test.indptr[u + 1]; k++) {
        const user = data.userIds[u];
        const positive = trueAffinity(truth, user, data.movieIds[data.test.indices[k]]);
        const other = trueAffinity(truth, user, data.movieIds[random.int(data.movieIds.length)]);
        wins += positive > other ? 1 : positive === other ? 0.5 : 0;
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThan(1000);
    expect(wins / pairs).toBeGreaterThan(0.75);
  });
});
