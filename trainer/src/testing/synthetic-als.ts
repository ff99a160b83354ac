import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Csr, csrFromCoo } from '@recsys/core/csr';
import { readRatings } from '../data/ratings.ts';
import { synthesize } from '../data/synth.ts';
import { type AlsModel, fitAls } from '../models/als/fit.ts';

/** Positives of `recsys data synth` output as a users × items CSR; items are the movies with a positive, by id. */
export function synthPositives(dir: string): { csr: Csr; items: number } {
  const ratings = readRatings(path.join(dir, 'ratings.dat'), 'ml-1m', 4);
  const n = ratings.length;
  const movieIds = [...new Set(ratings.movie.subarray(0, n))].sort((a, b) => a - b);
  const userIds = [...new Set(ratings.user.subarray(0, n))].sort((a, b) => a - b);
  const itemOf = new Map(movieIds.map((id, i) => [id, i]));
  const userOf = new Map(userIds.map((id, u) => [id, u]));
  const rows = Uint32Array.from({ length: n }, (_, e) => userOf.get(ratings.user[e]) ?? 0);
  const cols = Uint32Array.from({ length: n }, (_, e) => itemOf.get(ratings.movie[e]) ?? 0);
  // Confidence 1 + 5·r with r = 1 for a positive (PROTOCOL.md's tuned ALS).
  const values = new Float32Array(n).fill(6);
  return { csr: csrFromCoo(userIds.length, movieIds.length, rows, cols, { values }), items: movieIds.length };
}

export interface SyntheticAlsOptions {
  users: number;
  /** Movies synthesised; about 70% of them get a positive from 30 ratings per movie. */
  movies: number;
  interactions: number;
  factors: number;
  iterations: number;
  seed: number;
}

/**
 * ALS factors trained on structured synthetic data (trainer/src/data/synth.ts): the shape real item factors have
 * (popular items with long vectors, clusters of tastes), for ANN recall checks at catalogue sizes MovieLens lacks.
 */
export function alsOnSynth(options: SyntheticAlsOptions): AlsModel & { items: number; positives: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'synthetic-als-'));
  try {
    const out = path.join(dir, 'synth');
    synthesize({
      users: options.users,
      items: options.movies,
      interactions: options.interactions,
      seed: options.seed,
      out,
    });
    const { csr, items } = synthPositives(out);
    const model = fitAls(csr, {
      factors: options.factors,
      regularization: 10,
      iterations: options.iterations,
      cgSteps: 3,
      seed: options.seed,
    });
    return { ...model, items, positives: csr.indices.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
