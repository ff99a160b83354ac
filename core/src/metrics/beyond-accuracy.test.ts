import { describe, expect, it } from 'vitest';
import {
  beyondAccuracy,
  distinctItems,
  genreDiversity,
  meanPairwiseJaccard,
  novelty,
  sameFirstShare,
} from './beyond-accuracy.ts';

const list = (...items: number[]) => Uint32Array.from(items);

describe('beyond-accuracy metrics (hand-computed)', () => {
  it('mean pairwise Jaccard: |A ∩ B| / |A ∪ B| averaged over every pair', () => {
    // {1,2,3} vs {3,2,4}: 2 / 4; {1,2,3} vs {5,6}: 0 / 5; {3,2,4} vs {5,6}: 0 / 5 → (0.5 + 0 + 0) / 3.
    expect(meanPairwiseJaccard([list(1, 2, 3), list(3, 2, 4), list(5, 6)])).toBeCloseTo(0.5 / 3, 12);
    expect(meanPairwiseJaccard([list(7, 8), list(8, 7)])).toBe(1);
    expect(meanPairwiseJaccard([list(1)])).toBeNaN();
  });

  it('same-#1 share: the largest share of lists starting with one item', () => {
    expect(sameFirstShare([list(4, 1), list(4, 2), list(5, 4), list(4)])).toBe(0.75);
    expect(sameFirstShare([list(1), list(2)])).toBe(0.5);
  });

  it('aggregate diversity: distinct items over all lists', () => {
    expect(distinctItems([list(1, 2, 3), list(3, 4), list(1)])).toBe(4);
  });

  it('novelty: mean −log2(share of fit users who liked the item) over every listed item', () => {
    // 8 users; item 0 liked by 4 (1 bit), item 1 by 2 (2 bits), item 2 by 1 (3 bits).
    const likedBy = [4, 2, 1];
    expect(novelty([list(0, 1), list(2)], likedBy, 8)).toBeCloseTo((1 + 2 + 3) / 3, 12);
  });

  it('intra-list genre diversity: mean pairwise genre-set Jaccard distance within a list, averaged over lists', () => {
    // 3 genres. Item 0 {A}, item 1 {A, B}, item 2 {C}, item 3 {} (no genre).
    const itemGenres = Uint8Array.of(1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0);
    // List (0, 1, 2): d(0,1) = 1 − 1/2, d(0,2) = 1, d(1,2) = 1 → 2.5 / 3. List (3, 3): no genres → 0.
    // List (2): one item, left out.
    expect(genreDiversity([list(0, 1, 2), list(3, 3), list(2)], itemGenres, 3)).toBeCloseTo(2.5 / 3 / 2, 12);
  });

  it('beyondAccuracy reads only each top-10 and reports personalisation as 1 − Jaccard', () => {
    const long = Uint32Array.from({ length: 20 }, (_, i) => i);
    const shifted = Uint32Array.from({ length: 20 }, (_, i) => i + 5);
    const likedBy = new Array(30).fill(2);
    const result = beyondAccuracy({ lists: [long, shifted], likedBy, users: 4 });
    // Top-10s {0..9} and {5..14}: 5 shared of 15.
    expect(result['jaccard@10']).toBeCloseTo(1 / 3, 12);
    expect(result['personalisation@10']).toBeCloseTo(2 / 3, 12);
    expect(result['distinct@10']).toBe(15);
    expect(result.same_first_share).toBe(0.5);
    expect(result['novelty@10']).toBeCloseTo(1, 12);
    expect(result['genre_diversity@10']).toBeNaN();
  });

  it('samples a fixed, seeded subset of users for Jaccard when there are more than 1,000', () => {
    // 1,500 identical lists and one different list: any sample gives a Jaccard near 1, the same every time.
    const lists = Array.from({ length: 1500 }, () => list(1, 2, 3));
    lists.push(list(4, 5, 6));
    const likedBy = new Array(7).fill(1);
    const a = beyondAccuracy({ lists, likedBy, users: 1501 });
    const b = beyondAccuracy({ lists, likedBy, users: 1501 });
    expect(a['jaccard@10']).toBe(b['jaccard@10']);
    expect(a['jaccard@10']).toBeGreaterThan(0.99);
    expect(a['distinct@10']).toBe(6);
  });
});
