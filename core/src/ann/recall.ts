import type { SimilarItems } from './exact.ts';

/** Share of the exact top-k items found by the approximate search (recall@k by item identity). */
export function overlapRecall(approximate: Uint32Array, exact: Uint32Array): number {
  if (exact.length === 0) return 1;
  const found = new Set(approximate);
  let hits = 0;
  for (const item of exact) if (found.has(item)) hits++;
  return hits / exact.length;
}

/** Cosine differences below this are float noise, not a ranking. */
export const TIE_EPSILON = 1e-6;

/**
 * Recall@k that counts ties: an approximate result is a hit when its exact similarity reaches the exact k-th best
 * (within `epsilon`). Factor models give many items the same direction (e.g. items liked by the same single user),
 * and then which of the tied items fill the last places is arbitrary, for exact search too.
 */
export function tieAwareRecall(
  approximate: Uint32Array,
  exact: SimilarItems,
  exactSimilarity: (item: number) => number,
  epsilon = TIE_EPSILON,
): number {
  const k = exact.items.length;
  if (k === 0) return 1;
  const threshold = exact.similarities[k - 1] - epsilon;
  let hits = 0;
  for (let r = 0; r < Math.min(k, approximate.length); r++) if (exactSimilarity(approximate[r]) >= threshold) hits++;
  return hits / k;
}
