import type { Scorer } from './scorer.ts';

/**
 * "Because you liked X", from the model's own item-to-item similarity (`Scorer.scoreSimilar`): for each
 * recommended item, the position in `liked` of the liked item most similar to it, or -1 when no liked item is
 * similar to it (similarity ≤ 0) or the model does not compare items (`comparesItems`: popularity, trend).
 * With the scorer's pairwise `similarityTo` it costs k × |liked| pairs; otherwise one similarity scan per
 * recommended item (k × catalogue). Ties keep the earlier liked item.
 */
export function becauseYouLiked(scorer: Scorer, liked: Uint32Array, recommended: Uint32Array): Int32Array {
  const because = new Int32Array(recommended.length).fill(-1);
  if (liked.length === 0 || !scorer.comparesItems) return because;
  const pairwise = scorer.similarityTo;
  const similarity = new Float32Array(pairwise ? liked.length : scorer.items);
  for (let r = 0; r < recommended.length; r++) {
    const item = recommended[r];
    if (pairwise) pairwise(item, liked, similarity);
    else scorer.scoreSimilar(recommended.subarray(r, r + 1), similarity);
    let best = 0;
    for (let l = 0; l < liked.length; l++) {
      const value = pairwise ? similarity[l] : similarity[liked[l]];
      if (liked[l] !== item && value > best) {
        best = value;
        because[r] = l;
      }
    }
  }
  return because;
}
