import type { Csr } from '@recsys/core/csr';
import { alsScorer } from '@recsys/core/recommender/als';
import { fitAls } from '../../models/als/fit.ts';
import type { ModelFamily } from '../family.ts';
import { formatBytes } from '../memory.ts';
import { type SearchSpace, sampleSpace } from '../space.ts';

/**
 * The statement's primary model (R7): implicit ALS, confidence 1 + alpha on each positive. A wide space (factors
 * 16–256, regularisation 0.01–100 and alpha 0.5–50 on log scales) drawn at random from a middle start; every
 * confirmed candidate is fitted with two seeds, so the pick does not hang on one initialisation.
 */
export const ALS_SPACE: SearchSpace = {
  axes: {
    factors: { values: [16, 24, 32, 48, 64, 96, 128, 192, 256] },
    regularization: { log: [0.01, 100] },
    alpha: { log: [0.5, 50] },
  },
  fixed: { iterations: 15, seed: 42 },
  start: { factors: 64, regularization: 1, alpha: 5 },
};

const SEED = 7;

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
  defaultFolds: 3,
  candidates: (budget) => sampleSpace(ALS_SPACE, budget, SEED),
  seeds: [42, 7],
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
