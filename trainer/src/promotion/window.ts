import type { GateWindow } from '@recsys/core/promotion/gate';
import type { PreparedDataset } from '../data/dataset.ts';
import { isoTime } from '../train/window.ts';

/** Event positions [first, end) of the gate window in `data.events`. */
export interface GateEvents {
  first: number;
  end: number;
  /** Time both models' fit cutoffs are behind: the window holds interactions strictly after it. */
  after: number;
}

/**
 * The gate window (PROTOCOL.md, "Comparing two models"): the validation interactions strictly after
 * BOTH models' fit cutoffs, so neither model is scored on data it was fit on.
 */
export function gateEvents(data: PreparedDataset, fitCutoffs: number[]): GateEvents {
  const { train, validation } = data.manifest.interactions;
  const after = Math.max(...fitCutoffs);
  const time = data.events.time;
  let first = train;
  const end = train + validation;
  while (first < end && time[first] <= after) first++;
  if (first === end) {
    throw new Error(
      `the gate window is empty: no validation interaction of ${data.dir} is after both fit cutoffs (${isoTime(after)}); ` +
        'retrain on data that extends past the Production model, or compare on a newer dataset',
    );
  }
  return { first, end, after };
}

export function describeWindow(data: PreparedDataset, events: GateEvents, users: number): GateWindow {
  return {
    from: isoTime(data.events.time[events.first]),
    to: isoTime(data.events.time[events.end - 1]),
    interactions: events.end - events.first,
    users,
  };
}
