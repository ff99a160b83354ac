import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { overlapRecall } from '../ann/recall.ts';
import { clusteredEmbeddings } from '../ann/synthetic.ts';
import { csrFromCoo } from '../csr.ts';
import { mulberry32 } from '../metrics/prng.ts';
import { tempDir } from '../testing/fixtures.ts';
import { alsScorer } from './als.ts';
import { ANN_FILES, type AnnMode, annFiles, openApproximateSearch } from './approximate.ts';
import { catalogueFromFit } from './catalogue.ts';
import { FactorScorer } from './factors.ts';
import { PopularityScorer } from './popularity.ts';
import { Recommender } from './recommender.ts';

const factors = 24;
const items = 4000;
const users = 300;
const random = mulberry32(11);
const itemFactors = clusteredEmbeddings({ items, dims: factors, clusters: 30, noise: 0.3, seed: 3, rank: 10 });
// Users lean towards a few items' directions, as ALS users do, with norms that vary like ALS item norms.
const userFactors = new Float32Array(users * factors);
for (let u = 0; u < users; u++) {
  const like = Math.floor(random() * items);
  for (let f = 0; f < factors; f++) userFactors[u * factors + f] = itemFactors[like * factors + f] + random() - 0.5;
}
for (let i = 0; i < items; i++) {
  const scale = 0.2 + 2 * random();
  for (let f = 0; f < factors; f++) itemFactors[i * factors + f] *= scale;
}
const model = { factors, userFactors, itemFactors };
const scorer = alsScorer(model, { confidence: 6, regularization: 1 });

// Each user has seen 5–60 items; item 0 has no fit interaction, so it is outside the fit catalogue.
const rows: number[] = [];
const cols: number[] = [];
for (let u = 0; u < users; u++) {
  const n = 5 + Math.floor(random() * 56);
  const seen = new Set<number>();
  while (seen.size < n) seen.add(1 + Math.floor(random() * (items - 1)));
  for (const i of seen) {
    rows.push(u);
    cols.push(i);
  }
}
const fit = csrFromCoo(users, items, Uint32Array.from(rows), Uint32Array.from(cols));
const movieIds = Uint32Array.from({ length: items }, (_, i) => 10 * (items - i));
const catalogue = catalogueFromFit(fit, movieIds);
const attributes = {
  genres: ['Common', 'Rare'],
  itemGenres: Uint8Array.from({ length: items * 2 }, (_, e) => (e % 2 === 0 ? 1 : (e >> 1) % 150 === 0 ? 1 : 0)),
  years: Uint32Array.from({ length: items }, (_, i) => 1950 + (i % 60)),
};

const scratch = tempDir('approximate-');
afterAll(() => scratch.cleanup());

/** The index files written to disk behind the bundle reader's interface, as a verified bundle offers them. */
function indexedBundle(files: Record<string, unknown>) {
  const dir = scratch.dir;
  for (const [name, value] of Object.entries(files))
    if (Buffer.isBuffer(value)) writeFileSync(path.join(dir, name), value);
  return {
    has: (name: string) => name in files,
    json: (name: string) => JSON.parse(JSON.stringify(files[name])),
    path: (name: string) => path.join(dir, name),
  };
}

const files = annFiles(scorer, { minItems: 1000 });
const bundle = indexedBundle(files);
const exact = new Recommender(scorer, catalogue, attributes);
const open = (mode: AnnMode) => openApproximateSearch(bundle, scorer, movieIds, mode);
const approximate = new Recommender(scorer, catalogue, attributes, open('auto'));

describe('approximate search over a factor model', () => {
  it('finds >= 99% of the exact top-10 for known users, with their scores, seen items left out', () => {
    let recall = 0;
    for (let u = 0; u < users; u++) {
      const found = approximate.recommend(u, 10);
      const truth = exact.recommend(u, 10);
      expect(found.items).toHaveLength(10);
      recall += overlapRecall(found.items, truth.items);
      const seen = new Set(fit.indices.subarray(fit.indptr[u], fit.indptr[u + 1]));
      const all = new Float32Array(items);
      scorer.scoreUser(u, all);
      for (let r = 0; r < found.items.length; r++) {
        expect(seen.has(found.items[r])).toBe(false);
        expect(found.items[r]).not.toBe(0);
        expect(found.scores[r]).toBeCloseTo(all[found.items[r]], 4);
        if (r > 0) expect(found.scores[r]).toBeLessThanOrEqual(found.scores[r - 1]);
      }
    }
    expect(recall / users).toBeGreaterThanOrEqual(0.99);
  });

  it('finds >= 99% of the exact similar items for one seed and for two, seeds left out', () => {
    const queries = 200;
    for (const count of [1, 2]) {
      let recall = 0;
      for (let q = 0; q < queries; q++) {
        const seeds = Uint32Array.from({ length: count }, (_, s) => 1 + ((q * 7919 + s * 104_729) % (items - 1)));
        const found = approximate.similar(seeds, 10);
        const truth = exact.similar(seeds, 10);
        recall += overlapRecall(found.items, truth.items);
        for (const seed of seeds) expect([...found.items]).not.toContain(seed);
        if (found.items[0] === truth.items[0]) expect(found.scores[0]).toBeCloseTo(truth.scores[0], 4);
      }
      expect(recall / queries).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('folds in a new user through the same index', () => {
    const liked = Uint32Array.of(5, 17, 900);
    const found = approximate.recommendFromLiked(liked, 10);
    expect(overlapRecall(found.items, exact.recommendFromLiked(liked, 10).items)).toBeGreaterThanOrEqual(0.9);
    for (const item of liked) expect([...found.items]).not.toContain(item);
  });

  it('over-fetches under a broad filter: >= 95% of the exact filtered top-10, every answer passing the filter', () => {
    const filter = { yearFrom: 1980 }; // half the catalogue
    let recall = 0;
    for (let u = 0; u < users; u++) {
      const found = approximate.recommend(u, 10, { filter });
      expect(found.items).toHaveLength(10);
      expect([...found.items].every((i) => attributes.years[i] >= 1980)).toBe(true);
      recall += overlapRecall(found.items, exact.recommend(u, 10, { filter }).items);
    }
    expect(recall / users).toBeGreaterThanOrEqual(0.95);
  });

  it('ranks by the exact scan when a filter keeps 1 item in 150', () => {
    const filter = { genres: ['Rare'] };
    for (const u of [0, 7, 42]) {
      const found = approximate.recommend(u, 10, { filter });
      expect(found.items).toHaveLength(10);
      expect([...found.items].every((i) => attributes.itemGenres[i * 2 + 1] === 1)).toBe(true);
      expect([...found.items]).toEqual([...exact.recommend(u, 10, { filter }).items]);
    }
    const byYear = approximate.similar(Uint32Array.of(3), 10, { filter: { yearFrom: 1990, yearTo: 1991 } });
    expect(byYear.items).toHaveLength(10);
    expect([...byYear.items].every((i) => attributes.years[i] >= 1990 && attributes.years[i] <= 1991)).toBe(true);
  });

  it('is used from the bundle min_items on in auto mode, always when on, never when off', () => {
    expect(open('auto')).toBeDefined();
    expect(open('off')).toBeUndefined();
    const small = indexedBundle({
      ...files,
      [ANN_FILES.settings]: { ...files[ANN_FILES.settings], min_items: 50_000 },
    });
    expect(openApproximateSearch(small, scorer, movieIds, 'auto')).toBeUndefined();
    expect(openApproximateSearch(small, scorer, movieIds, 'on')).toBeDefined();
  });

  it('says what is missing when asked for an index a bundle does not have', () => {
    const popularity = new PopularityScorer(new Float32Array(items), { variant: 'all_time' });
    expect(annFiles(popularity)).toEqual({});
    expect(openApproximateSearch(bundle, popularity, movieIds, 'auto')).toBeUndefined();
    expect(() => openApproximateSearch(bundle, popularity, movieIds, 'on')).toThrow(
      /popularity bundle has no ann.json/,
    );
    const other = new FactorScorer({ factors, userFactors, itemFactors: itemFactors.subarray(0, 100 * factors) });
    expect(() => openApproximateSearch(bundle, other, movieIds.subarray(0, 100), 'on')).toThrow(
      /an index over 4000 items × 24 dims for a model of 100 × 24/,
    );
  });
});
