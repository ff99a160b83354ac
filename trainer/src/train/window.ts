import { type Csr, csrFromCoo } from '@recsys/core/csr';
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
  /** The held-out interactions scored against the window: validation after train, test after fit. */
  heldOut: Csr;
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
    heldOut: name === 'train' ? data.validation : data.test,
  };
}

/**
 * Every interaction the prepared data holds (train, validation and test), users × items, rows in time order
 * with times: what a deployed model knows of its users at export time, beyond its fit window.
 */
export function fullHistory(data: PreparedDataset): Csr {
  const { user, item, time } = data.events;
  return csrFromCoo(data.userIds.length, data.movieIds.length, user, item, { times: time });
}

/** The items of the window's events, oldest first (what popularity counts over). */
export function windowItems(window: FitWindow): Uint32Array {
  return window.data.events.item.subarray(0, window.events);
}

export function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}
