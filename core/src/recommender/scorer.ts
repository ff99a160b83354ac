import type { Tensor } from '../bundle/file-codec.ts';
import type { Csr } from '../csr.ts';

/**
 * The one model interface (after implicit's recommender_base): every loaded model answers the same three
 * scoring questions into a caller-owned buffer of one score per item index. Ranking, exclusion and filters
 * live in the Recommender facade, so evaluation and serving never ask which model they hold.
 */
export interface Scorer {
  /** The model family, as written to the bundle's `scorer.json`. */
  readonly kind: string;
  /** Item indices the scores cover: `out.length` must equal this. */
  readonly items: number;
  /** A user the model was fit with (a row of the fit data). */
  scoreUser(user: number, out: Float32Array): void;
  /** A user the model has not seen, from the items they liked (fold-in; the seed-movies path). */
  scoreFromLiked(liked: Uint32Array, out: Float32Array): void;
  /**
   * Item-to-item similarity of every item to one or more seed items, from the model's own item representation
   * (item factors, EASE weights, co-occurrence cosine): about the seed movies, never what is popular now.
   */
  scoreSimilar(seeds: Uint32Array, out: Float32Array): void;
  /** False for a model with no item representation (popularity): its scoreSimilar can only rank by popularity. */
  readonly comparesItems: boolean;
  /**
   * The same fitted model answering for the users of `history` (users × items, rows in time order): the fitted
   * weights stay; what the model knows of each user is their row of `history`. A deployed bundle knows every
   * interaction available at export time this way, beyond its fit window.
   */
  withHistory(history: Csr): Scorer;
  /**
   * Optional: what `scoreSimilar([item])` gives at each of `others`, without scanning the catalogue (a few
   * pairs, e.g. "because you liked" explanations). Absent where only a full scan knows (a blend of several parts).
   */
  readonly similarityTo?: (item: number, others: Uint32Array, out: Float32Array) => void;
  /** What to write into a bundle: JSON description plus typed arrays by file name. */
  bundleFiles(): ScorerFiles;
}

/** Bundle content: typed arrays (or shaped tensors) by file name, plus the `scorer.json` description. */
export interface ScorerFiles {
  description: ScorerDescription;
  arrays: Record<string, Float32Array | Uint32Array | Uint8Array | Tensor>;
}

/** `scorer.json`: which scorer to rebuild and the parameters it needs at load time (snake_case keys). */
export interface ScorerDescription {
  kind: string;
  [key: string]: unknown;
}

/** What a scorer needs from a bundle reader; the generic bundle reader (`core/src/bundle/`) satisfies it. */
export interface BundleArrays {
  has(name: string): boolean;
  f32(name: string): Float32Array;
  u32(name: string): Uint32Array;
  u8(name: string): Uint8Array;
  json(name: string): unknown;
}

export function checkOut(scorer: Scorer, out: Float32Array): void {
  if (out.length !== scorer.items) {
    throw new Error(
      `${scorer.kind} scorer: output buffer has ${out.length} entries, expected ${scorer.items} (one per item)`,
    );
  }
}
