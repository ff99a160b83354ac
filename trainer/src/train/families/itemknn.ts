import type { Csr } from '@recsys/core/csr';
import { fitItemKnn } from '../../models/itemknn/fit.ts';
import { type MemoryFit, type ModelFamily, type Params, spread } from '../family.ts';
import { formatBytes } from '../memory.ts';

/** No pruning first (the R6 baseline), then the top-N neighbours per item. */
const NEIGHBOURS = [null, 400, 200, 100, 50, 25];

export const itemKnnFamily: ModelFamily = {
  name: 'itemknn',
  defaultFolds: 3,
  candidates(budget) {
    return spread(NEIGHBOURS, budget).map((neighbours): Params => ({ neighbours }));
  },
  withinMemory(window, params, bytes) {
    return itemKnnWithinMemory(window.interactions, params, bytes);
  },
  fit(window, params) {
    return fitItemKnn(window.interactions, {
      neighbours: params.neighbours === null ? null : Number(params.neighbours),
    });
  },
};

/**
 * The fit holds every co-occurring pair before pruning: the upper triangle (index + count, 8 bytes), then both
 * halves as neighbour lists (index + similarity, 16 bytes a pair). Pairs are bounded by half the sum of squared
 * user history lengths and by half the items squared, whichever is smaller.
 */
export function itemKnnWithinMemory(interactions: Csr, params: Params, bytes: number): MemoryFit {
  let pairs = 0;
  for (let u = 0; u < interactions.rows; u++) {
    const length = interactions.indptr[u + 1] - interactions.indptr[u];
    pairs += (length * (length - 1)) / 2;
  }
  const items = interactions.cols;
  pairs = Math.min(pairs, (items * (items - 1)) / 2);
  const needed = 24 * pairs;
  if (needed > bytes) {
    return {
      reason: `item-item co-occurrence over ${items} items could hold ${pairs.toExponential(2)} pairs (${formatBytes(needed)}), over the ${formatBytes(bytes)} memory budget`,
    };
  }
  return { params, bytes: needed };
}
