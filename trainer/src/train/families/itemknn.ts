import { fitItemKnn } from '../../models/itemknn/fit.ts';
import { type ModelFamily, type Params, spread } from '../family.ts';

/** No pruning first (the R6 baseline), then the top-N neighbours per item. */
const NEIGHBOURS = [null, 400, 200, 100, 50, 25];

export const itemKnnFamily: ModelFamily = {
  name: 'itemknn',
  candidates(budget) {
    return spread(NEIGHBOURS, budget).map((neighbours): Params => ({ neighbours }));
  },
  fit(window, params) {
    return fitItemKnn(window.interactions, {
      neighbours: params.neighbours === null ? null : Number(params.neighbours),
    });
  },
};
