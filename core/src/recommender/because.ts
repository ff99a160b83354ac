import type { Scorer } from './scorer.ts';

/**
 * "Because you liked X", from the model's own item-to-item similarity (`Scorer.scoreSimilar`): for each
 * recommended item, the position in `liked` of the liked item most similar to it, or -1 when no liked item is
 * similar to it (similarity ≤ 0) or the model does not compare items (`comparesItems`: popularity, trend).
 * One similarity scan per recommended item (k × catalogue), however long the history is. Ties keep the earlier
 * liked item.
 */
export function becauseYouLiked(
  scorer: Scorer,
  liked: Uint32Array,
  recommended: Uint32Array,
  scratch = new Float32Array(scorer.items),
): Int32Array {
  const because = new Int32Array(recommended.length).fill(-1);
  if (liked.length === 0 || !scorer.comparesItems) return because;
  for (let r = 0; r < recommended.length; r++) {
    const item = recommended[r];
    scorer.scoreSimilar(recommended.subarray(r, r + 1), scratch);
    let best = 0;
    for (let l = 0; l < liked.length; l++) {
      const similarity = scratch[liked[l]];
      if (liked[l] !== item && similarity > best) {
        best = similarity;
        because[r] = l;
      }
    }
  }
  return because;
}
