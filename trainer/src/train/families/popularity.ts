import { fitPopularity } from '../../models/popularity/fit.ts';
import { type ModelFamily, type Params, spread } from '../family.ts';
import { windowItems } from '../window.ts';

/** All-time counts first, then trending counts over a newest share of the window (the share is searched). */
const WINDOWS = [null, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5];

export const popularityFamily: ModelFamily = {
  name: 'popularity',
  candidates(budget) {
    return spread(WINDOWS, budget).map((window): Params => ({ window }));
  },
  fit(window, params) {
    const share = params.window === null ? undefined : Number(params.window);
    return fitPopularity(windowItems(window), window.interactions.cols, { window: share });
  },
};
