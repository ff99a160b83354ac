import type { Csr } from '@recsys/core/csr';
import { alsScorer } from '@recsys/core/recommender/als';
import { fitAls } from '../../models/als/fit.ts';
import { type ModelFamily, type Params, spread } from '../family.ts';
import { formatBytes } from '../memory.ts';

/** The statement's primary model (R7): implicit ALS, confidence 1 + alpha on each positive. */
const GRID: Params[] = [];
for (const factors of [16, 32, 64]) {
  for (const regularization of [10, 1, 0.05, 30]) {
    for (const alpha of [5, 1, 20]) GRID.push({ factors, regularization, alpha, iterations: 15, seed: 42 });
  }
}

/** The window's positives with confidence 1 + alpha each (implicit reads the stored value as the confidence). */
export function confidenceMatrix(interactions: Csr, alpha: number): Csr {
  const values = new Float32Array(interactions.indices.length).fill(1 + alpha);
  return {
    rows: interactions.rows,
    cols: interactions.cols,
    indptr: interactions.indptr,
    indices: interactions.indices,
    values,
  };
}

export const alsFamily: ModelFamily = {
  name: 'als',
  candidates(budget) {
    return spread(GRID, budget);
  },
  withinMemory(window, params, bytes) {
    // Factors (fit, initial and the gate's copy) plus the confidences in both orientations.
    const { rows, cols, indices } = window.interactions;
    const needed = 3 * 4 * (rows + cols) * Number(params.factors) + 2 * 12 * indices.length;
    if (needed > bytes) {
      return {
        reason: `ALS with ${params.factors} factors needs ${formatBytes(needed)}, over the ${formatBytes(bytes)} memory budget`,
      };
    }
    return { params, bytes: needed };
  },
  fit(window, params) {
    const alpha = Number(params.alpha);
    const regularization = Number(params.regularization);
    const model = fitAls(confidenceMatrix(window.interactions, alpha), {
      factors: Number(params.factors),
      regularization,
      iterations: Number(params.iterations),
      cgSteps: 3,
      seed: Number(params.seed),
    });
    return alsScorer(model, { confidence: 1 + alpha, regularization });
  },
};
