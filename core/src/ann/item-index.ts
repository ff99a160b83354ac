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
  /** `cos` for item similarity, `ip` for a factor model's user scores (core/src/recommender/approximate.ts). */
  metric: z.enum(['cos', 'ip']),
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

/**
 * A search's beam is max(k, expansion_search), so fetching up to the default expansion_search costs what fetching
 * 10 does (200,000 movies, 64 factors: 0.22-0.25 ms for k 10 to 128, 0.3-0.5 ms for 220, 0.6-0.9 ms for 460).
 */
const CHEAP_FETCH = DEFAULT_ANN_BUILD.expansionSearch;

/** Up to this share of the catalogue fetched, widening the HNSW search is cheaper than a brute-force pass. */
const EXACT_FALLBACK_SHARE = 0.25;

export type UsearchIndex = InstanceType<typeof usearch.Index>;

function newUsearchIndex(settings: AnnSettings): UsearchIndex {
  return new usearch.Index({
    dimensions: settings.dims,
    metric: settings.metric === 'ip' ? usearch.MetricKind.IP : usearch.MetricKind.Cos,
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
  readonly #index: UsearchIndex;
  readonly #exact: ExactCosine;

  private constructor(index: UsearchIndex, exact: ExactCosine, settings: AnnSettings) {
    this.#index = index;
    this.#exact = exact;
    this.settings = settings;
  }

  get items(): number {
    return this.settings.items;
  }

  static build(embeddings: Float32Array, dims: number, options: BuildOptions = {}): ItemIndex {
    const exact = new ExactCosine(embeddings, dims);
    const { index, settings } = buildUsearchIndex(embeddings, dims, 'cos', options);
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
    if (checked.metric !== 'cos') throw new Error(`item index ${file} is a ${checked.metric} index, not cosine`);
    const exact = new ExactCosine(embeddings, checked.dims);
    if (exact.items !== checked.items) {
      throw new Error(
        `item index ${file} was built over ${checked.items} items but ${exact.items} embeddings were given; load the embeddings of the same bundle`,
      );
    }
    const index = openUsearchIndex(file, checked, options.view ?? true);
    return new ItemIndex(index, exact, checked);
  }

  save(file: string): void {
    this.#index.save(file);
  }

  /** The serialised index, for `writeBundle`'s files (usearch only writes to a path). */
  toBuffer(): Buffer {
    return usearchBytes(this.#index);
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

    const found = widenedSearch(this.#index, vector, wanted, { exclude, allowed: filter.allowed });
    if (found) return { items: found.items, similarities: found.distances.map((d) => 1 - d) };
    return this.#exact.topK(vector, wanted, { exclude, allowed: filter.allowed });
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

/** A usearch HNSW index over the rows of `vectors`, keyed by row index, with the settings it was built with. */
export function buildUsearchIndex(
  vectors: Float32Array,
  dims: number,
  metric: AnnSettings['metric'],
  options: BuildOptions = {},
): { index: UsearchIndex; settings: AnnSettings } {
  if (!Number.isInteger(dims) || dims < 1 || vectors.length % dims !== 0) {
    throw new Error(`ann index: ${vectors.length} values do not split into rows of ${dims} dims`);
  }
  const items = vectors.length / dims;
  const settings = annSettingsSchema.parse({
    library: 'usearch',
    metric,
    quantization: 'f32',
    dims,
    items,
    connectivity: options.connectivity ?? DEFAULT_ANN_BUILD.connectivity,
    expansion_add: options.expansionAdd ?? DEFAULT_ANN_BUILD.expansionAdd,
    expansion_search: options.expansionSearch ?? DEFAULT_ANN_BUILD.expansionSearch,
  });
  const index = newUsearchIndex(settings);
  if (items > 0) {
    const keys = BigUint64Array.from({ length: items }, (_, i) => BigInt(i));
    index.add(keys, vectors, options.threads ?? 1);
  }
  return { index, settings };
}

/** Opens a saved usearch index (memory-mapped with `view`) and checks it holds what its settings say. */
export function openUsearchIndex(file: string, settings: AnnSettings, view: boolean): UsearchIndex {
  const index = newUsearchIndex(settings);
  if (view) index.view(file);
  else index.load(file);
  if (index.size() !== settings.items || index.dimensions() !== settings.dims) {
    throw new Error(
      `ann index ${file} holds ${index.size()} vectors of ${index.dimensions()} dims; its settings say ${settings.items} of ${settings.dims}`,
    );
  }
  return index;
}

/** A usearch index's serialised bytes (usearch only writes to a path). */
export function usearchBytes(index: UsearchIndex): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'ann-index-'));
  try {
    const file = path.join(dir, 'index.usearch');
    index.save(file);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The `wanted` nearest keys that pass the filter, with their usearch distances. HNSW's answers are least exact at
 * the end of a list, so the `wanted` kept must come from the first half of what was fetched. It first fetches as
 * if nothing were excluded (at least CHEAP_FETCH: a search for fewer costs the same), since most of a user's seen
 * movies lie far from the query; then twice `wanted` plus the exclusions, widening fourfold until enough pass;
 * undefined once that would reach EXACT_FALLBACK_SHARE of the catalogue, where a brute-force pass is cheaper.
 */
export function widenedSearch(
  index: UsearchIndex,
  vector: Float32Array,
  wanted: number,
  filter: CandidateFilter,
): { items: Uint32Array; distances: Float32Array } | undefined {
  if (wanted <= 0) return { items: new Uint32Array(0), distances: new Float32Array(0) };
  const excluded = new Set(filter.exclude ?? []);
  const { allowed } = filter;
  const size = index.size();
  const reserving = 2 * (wanted + excluded.size);
  const first = Math.min(reserving, Math.max(2 * wanted, CHEAP_FETCH));
  for (let fetch = first; fetch <= size * EXACT_FALLBACK_SHARE; fetch = fetch < reserving ? reserving : fetch * 4) {
    const matches = index.search(vector, fetch, 1);
    const trusted = Math.ceil(matches.keys.length / 2);
    const items = new Uint32Array(wanted);
    const distances = new Float32Array(wanted);
    let kept = 0;
    for (let m = 0; m < trusted && kept < wanted; m++) {
      const item = Number(matches.keys[m]);
      if (excluded.has(item) || (allowed && allowed[item] === 0)) continue;
      items[kept] = item;
      distances[kept++] = matches.distances[m];
    }
    if (kept === wanted) return { items, distances };
  }
  return undefined;
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
