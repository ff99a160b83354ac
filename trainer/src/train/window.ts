import { type Csr, csrFromCoo } from '@recsys/core/csr';
import type { PreparedDataset } from '../data/dataset.ts';

/**
 * The interactions a model is fit on: `train` while hyperparameters are searched (scored on validation),
 * `fit` = train + validation for the model that is reported on test and deployed (PROTOCOL.md step 4).
 */
export interface FitWindow {
  /** `train` (scored on validation), `fit` (scored on test), or an earlier rolling-origin fold (`fold 1 of 3` …). */
  name: string;
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

export function fitWindow(data: PreparedDataset, name: 'train' | 'fit'): FitWindow {
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
 * Rolling-origin validation inside the fit period: `count` held-out windows of the validation's length, back to back
 * and oldest first, each scored against a fit on every interaction before it. The last is the protocol's own
 * (train → validation); test is never inside any of them.
 */
export function validationFolds(data: PreparedDataset, count: number): FitWindow[] {
  const { train, validation } = data.manifest.interactions;
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`validation folds: expected a whole number >= 1, got ${count}`);
  if (train - (count - 1) * validation <= 0) {
    throw new Error(
      `validation folds: ${count} windows of ${validation} interactions do not fit before the ${train} train interactions of ${data.dir}; use fewer folds`,
    );
  }
  const folds: FitWindow[] = [];
  for (let fold = 1; fold < count; fold++) {
    const start = train - (count - fold) * validation;
    folds.push({
      name: `fold ${fold} of ${count}`,
      data,
      interactions: eventsCsr(data, 0, start, true),
      events: start,
      cutoff: data.events.time[start - 1],
      heldOut: eventsCsr(data, start, start + validation, false),
    });
  }
  folds.push(fitWindow(data, 'train'));
  return folds;
}

/** Events [from, to) as users × items, rows in time order; with times and ratings when `timed`. */
function eventsCsr(data: PreparedDataset, from: number, to: number, timed: boolean): Csr {
  const { user, item, time, rating } = data.events;
  return csrFromCoo(
    data.userIds.length,
    data.movieIds.length,
    user.subarray(from, to),
    item.subarray(from, to),
    timed ? { times: time.subarray(from, to), values: rating.subarray(from, to) } : {},
  );
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
