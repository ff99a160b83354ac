import type { Csr } from '@recsys/core/csr';

/**
 * The prepared dataset: what `recsys data prepare` writes and every model fits on.
 * Indices are dense (0..users-1, 0..items-1); `userIds` / `movieIds` map them back to MovieLens ids.
 * Only positive interactions (rating >= 4) survive preparation (R2), after the thresholds (R3), in
 * stable time order, split globally 70/15/15 by position (R4, PROTOCOL.md).
 */
export interface ItemMeta {
  movie_id: number;
  title: string;
  /** The year in the title, "(1983)"; null when the title has none. */
  year: number | null;
  genres: string[];
}

/** Per-item statistics over the fit window (train + validation), aligned with item indices. */
export interface ItemPopularity {
  count: Uint32Array;
  meanRating: Float32Array;
  /** Newest interaction time, epoch seconds; 0 when the item has none in the fit window. */
  newest: Float64Array;
  /** Positives in the newest 15% of fit interactions. */
  trending: Uint32Array;
}

/** The positive interactions in stable time order; events [0, split.train) are train, and so on. */
export interface Events {
  user: Uint32Array;
  item: Uint32Array;
  /** Epoch seconds. */
  time: Float64Array;
  rating: Float32Array;
}

export interface DatasetManifest {
  format_version: 1;
  layout: 'ml-100k' | 'ml-1m' | 'ml-latest';
  source: string;
  /** sha256 over the prepared content (every data file, in a fixed order), not over timestamps of the run. */
  fingerprint: string;
  users: number;
  items: number;
  interactions: { train: number; validation: number; test: number };
  /** ISO times of the first validation and the first test interaction. */
  cutoffs: { validation: string; test: string };
  test_users: { warm: number; cold: number };
  thresholds: { min_item_positives: number; min_user_positives: number; positive_rating: number; iterative: boolean };
  genres: string[];
  created_at: string;
  files: Record<string, { sha256: string; bytes: number }>;
}

export interface PreparedDataset {
  dir: string;
  manifest: DatasetManifest;
  userIds: Uint32Array;
  movieIds: Uint32Array;
  items: ItemMeta[];
  /** items × genres one-hot, row-major, genre order = manifest.genres. */
  itemGenres: Uint8Array;
  events: Events;
  /** users × items, rows time-ordered, with `times` and `values` (the rating). */
  train: Csr;
  validation: Csr;
  test: Csr;
  /** train + validation: what the reported model is refit on. */
  fit: Csr;
  popularity: ItemPopularity;
}
