import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { csrFromCoo } from '@recsys/core/csr';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { easeBytes } from '../models/ease/fit.ts';
import { EASE_MAX_ITEMS, easeWithinMemory } from './families/ease-trend.ts';
import { itemKnnWithinMemory } from './families/itemknn.ts';
import type { ModelFamily } from './family.ts';
import { containerMemoryLimit, familyWithinMemory, memoryBudget, parseMemoryQuantity } from './memory.ts';
import type { FitWindow } from './window.ts';

const temp = tempDir('recsys-memory-');
afterAll(() => temp.cleanup());

/** Every user has every item: a catalogue of `items` items. */
function fullWindow(users: number, items: number) {
  const rows = Uint32Array.from({ length: users * items }, (_, e) => Math.floor(e / items));
  const cols = Uint32Array.from({ length: users * items }, (_, e) => e % items);
  return { interactions: csrFromCoo(users, items, rows, cols) };
}

describe('the memory budget', () => {
  it('reads Kubernetes quantities and says what it accepts otherwise', () => {
    expect(parseMemoryQuantity('12Gi')).toBe(12 * 2 ** 30);
    expect(parseMemoryQuantity('500M')).toBe(500e6);
    expect(parseMemoryQuantity('1.5Ki')).toBe(1536);
    expect(parseMemoryQuantity('4096')).toBe(4096);
    expect(() => parseMemoryQuantity('12GB')).toThrow(/expected a byte count or a Kubernetes quantity such as 12Gi/);
    expect(() => parseMemoryQuantity('0')).toThrow(/is zero/);
  });

  it('defaults to half the container limit (cgroup v2, then v1), else half the machine', () => {
    const unlimited = path.join(temp.dir, 'memory.max');
    const limited = path.join(temp.dir, 'limit_in_bytes');
    writeFileSync(unlimited, 'max\n');
    writeFileSync(limited, `${8 * 2 ** 30}\n`);
    expect(containerMemoryLimit([unlimited, limited])).toBe(8 * 2 ** 30);
    expect(containerMemoryLimit([unlimited])).toBeUndefined();
    expect(memoryBudget(undefined, 8 * 2 ** 30)).toEqual({ bytes: 4 * 2 ** 30, source: 'container limit' });
    expect(memoryBudget(123, 8 * 2 ** 30)).toEqual({ bytes: 123, source: 'given' });
    expect(memoryBudget(undefined, undefined).source).toBe('machine memory');
  });
});

describe('families within the budget', () => {
  it('bounds EASE to the most items the budget affords, and skips it when not even 500 fit', () => {
    const window = fullWindow(2, 800);
    const params = { lambda: 100 };
    expect(easeWithinMemory(window, params, easeBytes(800))).toEqual({ params, bytes: easeBytes(800) });
    expect(easeWithinMemory(window, params, easeBytes(600) + 1)).toEqual({
      params: { lambda: 100, max_items: 600 },
      bytes: easeBytes(600),
    });
    expect(easeWithinMemory(window, params, easeBytes(400))).toEqual({
      reason: expect.stringMatching(/EASE over even 500 items needs 5.7 MiB, over the 3.7 MiB memory budget/),
    });
    expect(EASE_MAX_ITEMS).toBeLessThan(10_000);
  });

  it('skips item-kNN when its co-occurrence pairs cannot fit', () => {
    const window = fullWindow(10, 100); // 10 users × 100 items: 4,950 pairs, 24 bytes each
    expect(itemKnnWithinMemory(window.interactions, {}, 200_000)).toEqual({ params: {}, bytes: 24 * 4950 });
    expect(itemKnnWithinMemory(window.interactions, {}, 100_000)).toEqual({
      reason: expect.stringMatching(/100 items could hold 4\.95e\+3 pairs \(0.1 MiB\), over the 0.1 MiB memory budget/),
    });
  });

  it('drops the candidates that cannot fit and keeps the reasons', () => {
    const family: ModelFamily = {
      name: 'toy',
      candidates: () => [{ size: 1 }, { size: 5 }],
      withinMemory: (_window, params, bytes) =>
        Number(params.size) <= bytes ? { params, bytes: Number(params.size) } : { reason: `size ${params.size}` },
      fit: () => {
        throw new Error('not fitted here');
      },
    };
    const bounded = familyWithinMemory(family, {} as FitWindow, 3);
    expect(bounded.family.candidates(8)).toEqual([{ size: 1 }]);
    expect([...bounded.dropped]).toEqual(['size 5']);
  });
});
