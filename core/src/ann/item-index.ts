import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import usearch from 'usearch';
import { z } from 'zod';
import { type CandidateFilter, ExactCosine, type SimilarItems } from './exact.ts';

/** Bundle file name of the item index. */
export const ITEM_INDEX_FILE = 'item_index.usearch';

/**
 * How the index was built and is searched (snake_case: it goes into the bundle manifest, and loading needs it:
 * usearch keeps expansion_search outside the file). `connectivity` is HNSW's M, the expansions are ef.
 */
export const annSettingsSchema = z.strictObject({
  library: z.literal('usearch'),
  metric: z.literal('cos'),
  quantization: z.literal('f32'),
  dims: z.int().positive(),
  items: z.int().nonnegative(),
  connectivity: z.int().positive(),
  expansion_add: z.int().positive(),
  expansion_search: z.int().positive(),
});
export type AnnSettings = z.output<typeof annSettingsSchema>;

export interface BuildOptions {
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
  /** Insertion threads; 1 (the default) builds the same bytes for the same embeddings. */
  threads?: number;
}

/** Tuned with bench/ann.ts for recall@10 >= 0.99 against exact cosine (1,682 × 64 and 50,000 × 64). */
export const DEFAULT_ANN_BUILD = { connectivity: 16, expansionAdd: 128, expansionSearch: 128 } as const;

/** Up to this share of the catalogue fetched, widening the HNSW search is cheaper than a brute-force pass. */
const EXACT_FALLBACK_SHARE = 0.25;

function newUsearchIndex(settings: AnnSettings): InstanceType<typeof usearch.Index> {
  return new usearch.Index({
    dimensions: settings.dims,
    metric: usearch.MetricKind.Cos,
    quantization: usearch.ScalarKind.F32,
    connectivity: settings.connectivity,
    expansion_add: settings.expansion_add,
    expansion_search: settings.expansion_search,
    multi: false,
  });
}

/**
 * Approximate cosine nearest neighbours among item embeddings (usearch HNSW). Keys are item indices. It keeps the
 * embeddings too: a query by item index needs the item's vector, and filtered queries fall back to exact search
 * when the filter leaves too few candidates among the approximate ones.
 */
export class ItemIndex {
  readonly settings: AnnSettings;
  readonly #index: InstanceType<typeof usearch.Index>;
  readonly #exact: ExactCosine;

  private constructor(index: InstanceType<typeof usearch.Index>, exact: ExactCosine, settings: AnnSettings) {
    this.#index = index;
    this.#exact = exact;
    this.settings = settings;
  }

  get items(): number {
    return this.settings.items;
  }

  static build(embeddings: Float32Array, dims: number, options: BuildOptions = {}): ItemIndex {
    const exact = new ExactCosine(embeddings, dims);
    const settings = annSettingsSchema.parse({
      library: 'usearch',
      metric: 'cos',
      quantization: 'f32',
      dims,
      items: exact.items,
      connectivity: options.connectivity ?? DEFAULT_ANN_BUILD.connectivity,
      expansion_add: options.expansionAdd ?? DEFAULT_ANN_BUILD.expansionAdd,
      expansion_search: options.expansionSearch ?? DEFAULT_ANN_BUILD.expansionSearch,
    });
    const index = newUsearchIndex(settings);
    if (exact.items > 0) {
      const keys = BigUint64Array.from({ length: exact.items }, (_, i) => BigInt(i));
      index.add(keys, embeddings, options.threads ?? 1);
    }
    return new ItemIndex(index, exact, settings);
  }

  /**
   * Opens a saved index. `view` memory-maps the file instead of copying it into the heap (the default; bundle files
   * are immutable). `embeddings` must be the ones the index was built from.
   */
  static load(
    file: string,
    embeddings: Float32Array,
    settings: AnnSettings,
    options: { view?: boolean } = {},
  ): ItemIndex {
    const checked = annSettingsSchema.parse(settings);
    const exact = new ExactCosine(embeddings, checked.dims);
    if (exact.items !== checked.items) {
      throw new Error(
        `item index ${file} was built over ${checked.items} items but ${exact.items} embeddings were given; load the embeddings of the same bundle`,
      );
    }
    const index = newUsearchIndex(checked);
    if (options.view ?? true) index.view(file);
    else index.load(file);
    if (index.size() !== checked.items || index.dimensions() !== checked.dims) {
      throw new Error(
        `item index ${file} holds ${index.size()} vectors of ${index.dimensions()} dims; its settings say ${checked.items} of ${checked.dims}`,
      );
    }
    return new ItemIndex(index, exact, checked);
  }

  save(file: string): void {
    this.#index.save(file);
  }

  /** The serialised index, for `writeBundle`'s files (usearch only writes to a path). */
  toBuffer(): Buffer {
    const dir = mkdtempSync(path.join(tmpdir(), 'item-index-'));
    try {
      const file = path.join(dir, ITEM_INDEX_FILE);
      this.save(file);
      return readFileSync(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * The k items most similar to a vector, or to an item (by index; the item itself is never returned), by cosine.
   * `filter` removes candidates; the search widens until k remain or falls back to exact search.
   */
  query(target: Float32Array | number, k: number, filter: CandidateFilter = {}): SimilarItems {
    const { vector, self } = this.#target(target);
    const exclude = self === undefined ? filter.exclude : appendItem(filter.exclude, self);
    const wanted = Math.min(k, this.items);
    if (wanted <= 0) return { items: new Uint32Array(0), similarities: new Float32Array(0) };

    const excluded = new Set(exclude ?? []);
    const { allowed } = filter;
    let fetch = wanted + excluded.size;
    while (fetch <= this.items * EXACT_FALLBACK_SHARE) {
      const matches = this.#index.search(vector, fetch, 1);
      const items = new Uint32Array(wanted);
      const similarities = new Float32Array(wanted);
      let kept = 0;
      for (let m = 0; m < matches.keys.length && kept < wanted; m++) {
        const item = Number(matches.keys[m]);
        if (excluded.has(item) || (allowed && allowed[item] === 0)) continue;
        items[kept] = item;
        similarities[kept++] = 1 - matches.distances[m];
      }
      if (kept === wanted) return { items, similarities };
      fetch *= 4;
    }
    return this.#exact.topK(vector, wanted, { exclude, allowed });
  }

  /** Exact cosine top-k with the same arguments as `query`: the reference for recall. */
  exactQuery(target: Float32Array | number, k: number, filter: CandidateFilter = {}): SimilarItems {
    const { vector, self } = this.#target(target);
    const exclude = self === undefined ? filter.exclude : appendItem(filter.exclude, self);
    return this.#exact.topK(vector, k, { exclude, allowed: filter.allowed });
  }

  #target(target: Float32Array | number): { vector: Float32Array; self?: number } {
    if (typeof target === 'number') return { vector: this.#exact.unitVector(target), self: target };
    if (target.length !== this.settings.dims) {
      throw new Error(`query vector has ${target.length} dims, the item index has ${this.settings.dims}`);
    }
    return { vector: target };
  }
}

function appendItem(list: Uint32Array | undefined, item: number): Uint32Array {
  const out = new Uint32Array((list?.length ?? 0) + 1);
  if (list) out.set(list);
  out[out.length - 1] = item;
  return out;
}

export function buildItemIndex(embeddings: Float32Array, dims: number, options?: BuildOptions): ItemIndex {
  return ItemIndex.build(embeddings, dims, options);
}

export function loadItemIndex(
  file: string,
  embeddings: Float32Array,
  settings: AnnSettings,
  options?: { view?: boolean },
): ItemIndex {
  return ItemIndex.load(file, embeddings, settings, options);
}
