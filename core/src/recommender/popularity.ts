import type { Csr } from '../csr.ts';
import { type BundleArrays, checkOut, type Scorer, type ScorerFiles } from './scorer.ts';

/** Bundle file names of the popularity scorer. */
export const POPULARITY_FILES = { scores: 'popularity.f32' } as const;

export interface PopularityParams {
  /** 'all_time' or 'trending' (counts over the newest `window` share of the fit interactions). */
  variant: 'all_time' | 'trending';
  /** The trending window as a share of fit interactions; absent for all-time. */
  window?: number;
}

/** One score vector for everybody (global or trending counts): the cold-start fallback too. */
export class PopularityScorer implements Scorer {
  readonly kind = 'popularity';
  readonly comparesItems = false;
  readonly items: number;
  readonly scores: Float32Array;
  readonly params: PopularityParams;

  constructor(scores: Float32Array, params: PopularityParams) {
    this.scores = scores;
    this.items = scores.length;
    this.params = params;
  }

  scoreUser(_user: number, out: Float32Array): void {
    checkOut(this, out);
    out.set(this.scores);
  }

  scoreFromLiked(_liked: Uint32Array, out: Float32Array): void {
    checkOut(this, out);
    out.set(this.scores);
  }

  // Popularity knows no similarity; seeds get the popular items, as the cold-start path would.
  scoreSimilar(_seeds: Uint32Array, out: Float32Array): void {
    checkOut(this, out);
    out.set(this.scores);
  }

  withHistory(_history: Csr): PopularityScorer {
    return this;
  }

  bundleFiles(): ScorerFiles {
    const description = { kind: this.kind, variant: this.params.variant, window: this.params.window ?? null };
    return { description, arrays: { [POPULARITY_FILES.scores]: this.scores } };
  }

  static fromBundle(description: Record<string, unknown>, arrays: BundleArrays): PopularityScorer {
    const variant = description.variant === 'trending' ? 'trending' : 'all_time';
    const window = typeof description.window === 'number' ? description.window : undefined;
    return new PopularityScorer(arrays.f32(POPULARITY_FILES.scores), { variant, window });
  }
}
