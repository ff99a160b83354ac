import type { Csr } from '../csr.ts';
import { type UserActivity, userActivity } from './activity.ts';
import { type BundleArrays, checkOut, type Scorer, type ScorerFiles } from './scorer.ts';

/** One component of a blend: its scores are standardised (z-scored over the catalogue) and weighted. */
export interface BlendPart {
  scorer: Scorer;
  weight: number;
  /** Scale the weight by the user's recent activity (the blend's `activity`); a user folded in counts as active. */
  byActivity?: boolean;
}

/** Bundle file of the per-user activity weights of a blend with parts weighted by activity. */
export const ACTIVITY_FILE = 'user_activity.f32';

/**
 * A weighted sum of z-scored component scores — e.g. factor scores + w × log trending counts — so that
 * one scoring function ranks every candidate (PROTOCOL.md step 7). Each part is standardised per call
 * over the catalogue items, so its scale does not depend on the model or the user.
 */
export class BlendScorer implements Scorer {
  readonly kind = 'blend';
  readonly items: number;
  readonly parts: readonly BlendPart[];
  readonly comparesItems: boolean;
  /** The one item-comparing part's pairwise similarity (it answers scoreSimilar alone); absent otherwise. */
  readonly similarityTo: Scorer['similarityTo'];
  readonly #similarParts: readonly BlendPart[];
  readonly activity: UserActivity | undefined;
  readonly #over: Uint8Array;
  readonly #scratch: Float32Array;

  /**
   * `over[i]` non-zero marks the items the z-score statistics are taken over (the fit catalogue); `activity` is
   * required when a part is weighted by it.
   */
  constructor(parts: readonly BlendPart[], over: Uint8Array, activity?: UserActivity) {
    if (parts.length === 0) throw new Error('blend scorer: needs at least one part');
    this.items = parts[0].scorer.items;
    for (const part of parts) {
      if (part.scorer.items !== this.items) {
        throw new Error(`blend scorer: parts cover ${part.scorer.items} and ${this.items} items; they must agree`);
      }
    }
    if (over.length !== this.items)
      throw new Error(`blend scorer: mask has ${over.length} entries, expected ${this.items}`);
    if (parts.some((part) => part.byActivity) && !activity) {
      throw new Error('blend scorer: a part is weighted by user activity, but no activity was given');
    }
    this.parts = parts;
    this.activity = activity;
    this.#similarParts = parts.filter((part) => part.scorer.comparesItems && part.weight > 0);
    this.comparesItems = this.#similarParts.length > 0;
    this.similarityTo = this.#similarParts.length === 1 ? this.#similarParts[0].scorer.similarityTo : undefined;
    this.#over = over;
    this.#scratch = new Float32Array(this.items);
  }

  scoreUser(user: number, out: Float32Array): void {
    const activity = this.activity?.perUser[user] ?? 1;
    this.#blend(out, (part, scratch) => part.scoreUser(user, scratch), this.parts, activity);
  }

  scoreFromLiked(liked: Uint32Array, out: Float32Array): void {
    this.#blend(out, (part, scratch) => part.scoreFromLiked(liked, scratch));
  }

  /**
   * Only the parts that compare items: a trend or popularity part would put the same hot movies next to every
   * seed. One such part answers alone, in its own similarity units; several are blended as for a user.
   */
  scoreSimilar(seeds: Uint32Array, out: Float32Array): void {
    const similar = this.#similarParts;
    if (similar.length === 1) {
      checkOut(this, out);
      similar[0].scorer.scoreSimilar(seeds, out);
      return;
    }
    this.#blend(out, (part, scratch) => part.scoreSimilar(seeds, scratch), similar.length > 0 ? similar : this.parts);
  }

  withHistory(history: Csr): BlendScorer {
    const parts = this.parts.map((part) => ({ ...part, scorer: part.scorer.withHistory(history) }));
    return new BlendScorer(parts, this.#over, this.activity && userActivity(history, this.activity.halfLifeDays));
  }

  /** Each part's files under a `part<i>.` prefix; `scorer.json` lists the parts with their weights. */
  bundleFiles(): ScorerFiles {
    const arrays: ScorerFiles['arrays'] = {};
    const parts = this.parts.map((part, p) => {
      const files = part.scorer.bundleFiles();
      for (const [name, array] of Object.entries(files.arrays)) arrays[`${partPrefix(p)}${name}`] = array;
      return { weight: part.weight, by_activity: part.byActivity === true, scorer: files.description };
    });
    if (this.activity) arrays[ACTIVITY_FILE] = this.activity.perUser;
    const activity = this.activity ? { half_life_days: this.activity.halfLifeDays } : null;
    return { description: { kind: this.kind, parts, activity }, arrays };
  }

  #blend(
    out: Float32Array,
    score: (part: Scorer, scratch: Float32Array) => void,
    parts: readonly BlendPart[] = this.parts,
    activity = 1,
  ): void {
    checkOut(this, out);
    out.fill(0);
    const scratch = this.#scratch;
    const over = this.#over;
    for (const part of parts) {
      score(part.scorer, scratch);
      let count = 0;
      let sum = 0;
      let sumSquares = 0;
      for (let i = 0; i < this.items; i++) {
        if (over[i] === 0) continue;
        count++;
        sum += scratch[i];
        sumSquares += scratch[i] * scratch[i];
      }
      const mean = count > 0 ? sum / count : 0;
      const variance = count > 0 ? Math.max(0, sumSquares / count - mean * mean) : 0;
      // A constant part carries no ranking signal: it contributes nothing rather than dividing by zero.
      const weight = part.byActivity ? part.weight * activity : part.weight;
      const scale = variance > 0 ? weight / Math.sqrt(variance) : 0;
      for (let i = 0; i < this.items; i++) out[i] += (scratch[i] - mean) * scale;
    }
  }
}

export function partPrefix(index: number): string {
  return `part${index}.`;
}

/** A view of a bundle whose file names carry a prefix: how a blend part reads its own files. */
export function prefixedArrays(arrays: BundleArrays, prefix: string): BundleArrays {
  return {
    has: (name) => arrays.has(prefix + name),
    f32: (name) => arrays.f32(prefix + name),
    u32: (name) => arrays.u32(prefix + name),
    u8: (name) => arrays.u8(prefix + name),
    json: (name) => arrays.json(prefix + name),
  };
}
