import { rowIndices } from '@recsys/core/csr';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedDataset } from '../data/dataset.ts';
import { readPrepared } from '../data/prepared.ts';
import { syntheticDataset } from '../testing/synthetic.ts';
import { fitWindow, validationFolds } from './window.ts';

const scratch = tempDir();
let data: PreparedDataset;
beforeAll(async () => {
  data = readPrepared((await syntheticDataset(scratch.dir, { users: 300, items: 150, interactions: 12_000 })).prepared);
}, 60_000);
afterAll(() => scratch.cleanup());

const count = (m: { indices: Uint32Array }) => m.indices.length;

describe('validationFolds', () => {
  it('lays validation-sized windows back to back inside the fit period, each fit on everything before it', () => {
    const { train, validation } = data.manifest.interactions;
    const folds = validationFolds(data, 3);
    expect(folds.map((f) => f.name)).toEqual(['fold 1 of 3', 'fold 2 of 3', 'train']);
    expect(folds.map((f) => f.events)).toEqual([train - 2 * validation, train - validation, train]);
    for (const fold of folds) {
      expect(count(fold.interactions)).toBe(fold.events);
      expect(count(fold.heldOut)).toBe(validation);
      expect(fold.cutoff).toBe(data.events.time[fold.events - 1]);
      // The held-out window starts where the fit ends: every held-out interaction is at or after the cutoff.
      for (let user = 0; user < fold.heldOut.rows; user++) {
        for (const item of rowIndices(fold.heldOut, user)) expect(item).toBeLessThan(data.movieIds.length);
      }
    }
    // The last is the protocol's own split; the held-out windows never reach test.
    expect(folds[2]).toEqual(fitWindow(data, 'train'));
    expect(folds[1].events + validation).toBe(train);
    expect(validationFolds(data, 1)).toEqual([fitWindow(data, 'train')]);
  });

  it('refuses more folds than the train window holds', () => {
    const { train, validation } = data.manifest.interactions;
    const tooMany = Math.floor(train / validation) + 2;
    expect(() => validationFolds(data, tooMany)).toThrow(/do not fit before the \d+ train interactions/);
    expect(() => validationFolds(data, 0)).toThrow(/whole number >= 1/);
  });
});
