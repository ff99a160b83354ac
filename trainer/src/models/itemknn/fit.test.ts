import { csrFromCoo, rowIndices } from '@recsys/core/csr';
import { mulberry32 } from '@recsys/core/metrics/prng';
import { describe, expect, it } from 'vitest';
import { fitItemKnn } from './fit.ts';

function randomFit(seed: number, users: number, items: number, density: number) {
  const random = mulberry32(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < users; u++)
    for (let i = 0; i < items; i++)
      if (random() < density) {
        rows.push(u);
        cols.push(i);
      }
  return csrFromCoo(users, items, Uint32Array.from(rows), Uint32Array.from(cols));
}

function similarityRow(scorer: ReturnType<typeof fitItemKnn>, item: number): Map<number, number> {
  const { indptr, indices, similarities } = scorer.neighbours;
  const row = new Map<number, number>();
  for (let e = indptr[item]; e < indptr[item + 1]; e++) row.set(indices[e], similarities[e]);
  return row;
}

describe('fitItemKnn', () => {
  it('computes cosine of binary co-occurrence vectors (hand-computed)', () => {
    // users: u0 {0,1}, u1 {0,1,2}, u2 {2}; item 3 unseen.
    const fit = csrFromCoo(3, 4, Uint32Array.of(0, 0, 1, 1, 1, 2), Uint32Array.of(0, 1, 0, 1, 2, 2));
    const scorer = fitItemKnn(fit, { neighbours: null });
    expect(similarityRow(scorer, 0).get(1)).toBeCloseTo(2 / Math.sqrt(2 * 2), 6);
    expect(similarityRow(scorer, 0).get(2)).toBeCloseTo(1 / Math.sqrt(2 * 2), 6);
    expect(similarityRow(scorer, 2).get(1)).toBeCloseTo(0.5, 6);
    expect(similarityRow(scorer, 0).has(0)).toBe(false);
    expect(similarityRow(scorer, 3).size).toBe(0);
  });

  it('matches brute-force cosine on random data and stays symmetric without pruning', () => {
    const fit = randomFit(5, 40, 25, 0.2);
    const scorer = fitItemKnn(fit, { neighbours: null });
    const columns = Array.from({ length: 25 }, () => new Set<number>());
    for (let u = 0; u < 40; u++) for (const i of rowIndices(fit, u)) columns[i].add(u);
    for (let i = 0; i < 25; i++) {
      const row = similarityRow(scorer, i);
      for (let j = 0; j < 25; j++) {
        const both = [...columns[i]].filter((u) => columns[j].has(u)).length;
        const expected = i === j || both === 0 ? undefined : both / Math.sqrt(columns[i].size * columns[j].size);
        if (expected === undefined) expect(row.has(j)).toBe(false);
        else expect(row.get(j)).toBeCloseTo(expected, 6);
      }
    }
  });

  it('keeps only the top-N neighbours per item when pruning', () => {
    const fit = randomFit(6, 60, 30, 0.3);
    const full = fitItemKnn(fit, { neighbours: null });
    const pruned = fitItemKnn(fit, { neighbours: 5 });
    for (let i = 0; i < 30; i++) {
      const kept = similarityRow(pruned, i);
      const all = [...similarityRow(full, i).values()].sort((a, b) => b - a);
      expect(kept.size).toBe(Math.min(5, all.length));
      const weakestKept = Math.min(...kept.values());
      expect(weakestKept).toBe(all[kept.size - 1]);
    }
  });

  it('refuses a non-positive neighbour count', () => {
    expect(() => fitItemKnn(randomFit(1, 3, 3, 0.5), { neighbours: 0 })).toThrow(/positive integer or null/);
  });
});
