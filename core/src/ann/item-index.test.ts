import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBundle } from '../bundle/reader.ts';
import { sampleManifestInput } from '../bundle/testing/sample.ts';
import { writeBundle } from '../bundle/writer.ts';
import { tempDir } from '../testing/fixtures.ts';
import { ExactCosine } from './exact.ts';
import { buildItemIndex, ITEM_INDEX_FILE, loadItemIndex } from './item-index.ts';
import { overlapRecall } from './recall.ts';
import { clusteredEmbeddings } from './synthetic.ts';

const dims = 32;
const items = 3000;
const embeddings = clusteredEmbeddings({ items, dims, clusters: 40, noise: 0.3, seed: 7, rank: 12 });
const index = buildItemIndex(embeddings, dims);
const scratch = tempDir('ann-');
afterAll(() => scratch.cleanup());

function cosine(a: number, b: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < dims; d++) {
    const x = embeddings[a * dims + d];
    const y = embeddings[b * dims + d];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

describe('item ANN index', () => {
  it('finds >= 99% of the exact cosine top-10 on clustered embeddings', () => {
    let recall = 0;
    const queries = 300;
    for (let q = 0; q < queries; q++) {
      const item = (q * 7919) % items;
      recall += overlapRecall(index.query(item, 10).items, index.exactQuery(item, 10).items);
    }
    expect(recall / queries).toBeGreaterThanOrEqual(0.99);
  });

  it('returns cosine similarities, best first, never the query item itself', () => {
    const { items: found, similarities } = index.query(5, 10);
    expect(found).toHaveLength(10);
    expect([...found]).not.toContain(5);
    for (let r = 0; r < found.length; r++) {
      expect(similarities[r]).toBeCloseTo(cosine(5, found[r]), 5);
      if (r > 0) expect(similarities[r]).toBeLessThanOrEqual(similarities[r - 1] + 1e-6);
    }
  });

  it('honours exclusions and a candidate mask, falling back to exact search when the mask is narrow', () => {
    const first = index.query(11, 5);
    const excluded = index.query(11, 5, { exclude: first.items });
    expect([...excluded.items].some((i) => first.items.includes(i))).toBe(false);
    expect(excluded.items).toHaveLength(5);

    const allowed = new Uint8Array(items);
    for (let i = 0; i < items; i += 97) allowed[i] = 1; // 31 candidates, far from most queries
    const masked = index.query(11, 10, { allowed });
    expect(masked.items).toHaveLength(10);
    expect([...masked.items].every((i) => allowed[i] === 1)).toBe(true);
    expect([...masked.items]).toEqual([...index.exactQuery(11, 10, { allowed }).items]);
  });

  it('answers right when every answer the first fetch trusts is excluded', () => {
    // The 100 nearest are more than the cheap first fetch trusts (its first half): only the widened search can answer.
    const crowd = index.exactQuery(11, 100).items;
    const found = index.query(11, 10, { exclude: crowd });
    expect([...found.items].some((i) => crowd.includes(i))).toBe(false);
    expect(overlapRecall(found.items, index.exactQuery(11, 10, { exclude: crowd }).items)).toBeGreaterThanOrEqual(0.9);
  });

  it('records its settings and answers a vector query like the exact reference', () => {
    expect(index.settings).toMatchObject({ library: 'usearch', metric: 'cos', dims, items, connectivity: 16 });
    const vector = embeddings.slice(100 * dims, 101 * dims);
    const exact = new ExactCosine(embeddings, dims).topK(vector, 1);
    expect(index.query(vector, 1).items[0]).toBe(exact.items[0]);
    expect(exact.items[0]).toBe(100);
  });

  it('builds identical bytes from identical embeddings', () => {
    expect(buildItemIndex(embeddings, dims).toBuffer().equals(index.toBuffer())).toBe(true);
  });

  it('answers the same after a save and a load, viewed or copied into memory', () => {
    const file = path.join(scratch.dir, 'index.usearch');
    index.save(file);
    for (const view of [true, false]) {
      const loaded = loadItemIndex(file, embeddings, index.settings, { view });
      for (const item of [0, 123, 2999]) expect(loaded.query(item, 10)).toEqual(index.query(item, 10));
    }
    expect(() => loadItemIndex(file, embeddings.subarray(0, 100 * dims), index.settings)).toThrow(
      /built over 3000 items but 100 embeddings/,
    );
  });

  it('travels through a verified bundle', async () => {
    const { dir } = await writeBundle({
      store: scratch.dir,
      modelName: 'als',
      manifest: { ...sampleManifestInput(), extra: { item_index: index.settings } },
      files: { 'item_factors.f32': embeddings, [ITEM_INDEX_FILE]: index.toBuffer() },
    });
    const bundle = await readBundle(dir);
    expect(readFileSync(bundle.path(ITEM_INDEX_FILE)).equals(index.toBuffer())).toBe(true);
    const loaded = loadItemIndex(
      bundle.path(ITEM_INDEX_FILE),
      bundle.f32('item_factors.f32'),
      bundle.manifest.extra.item_index as typeof index.settings,
    );
    expect(loaded.query(42, 10)).toEqual(index.query(42, 10));
  });
});
