import type { Csr } from '@recsys/core/csr';
import type { PreparedDataset } from '../data/dataset.ts';

/**
 * The interactions a model is fit on: `train` while hyperparameters are searched (scored on validation),
 * `fit` = train + validation for the model that is reported on test and deployed (PROTOCOL.md step 4).
 */
export interface FitWindow {
  name: 'train' | 'fit';
  data: PreparedDataset;
  /** users × items, rows in time order, `times` and `values` (ratings) aligned. */
  interactions: Csr;
  /** The window is events [0, events) of `data.events`, oldest first. */
  events: number;
  /** Time of the newest interaction in the window, epoch seconds: the model's fit cutoff. */
  cutoff: number;
}

export function fitWindow(data: PreparedDataset, name: FitWindow['name']): FitWindow {
  const { train, validation } = data.manifest.interactions;
  const events = name === 'train' ? train : train + validation;
  if (events === 0) throw new Error(`the ${name} window of ${data.dir} holds no interactions`);
  return {
    name,
    data,
    interactions: name === 'train' ? data.train : data.fit,
    events,
    cutoff: data.events.time[events - 1],
  };
}

/** The held-out interactions scored against a window: validation after train, test after fit. */
export function heldOutFor(window: FitWindow): Csr {
  return window.name === 'train' ? window.data.validation : window.data.test;
}

/** The items of the window's events, oldest first (what popularity counts over). */
export function windowItems(window: FitWindow): Uint32Array {
  return window.data.events.item.subarray(0, window.events);
}

export function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}
