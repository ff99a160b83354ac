/**
 * Top-K selection over a dense score vector: the one ranking rule every model, the evaluation and
 * serving share. Higher scores rank first; equal scores are ordered by ascending MovieLens movie id
 * (PROTOCOL.md step 7); NaN never ranks. O(n log k) with a binary heap kept in typed arrays.
 */
export interface RankOptions {
  /** MovieLens movie id per item index: the tie-break. */
  movieIds: Uint32Array;
  /** Item indices that must not rank (the user's seen items, the seeds). Written over with NaN in `scores`. */
  exclude?: Uint32Array;
  /** Candidate mask: only items with a non-zero entry may rank (fit catalogue, genre/year filters). */
  allowed?: Uint8Array;
}

export interface Ranking {
  /** Item indices, best first. */
  items: Uint32Array;
  /** Their scores, aligned with `items`. */
  scores: Float32Array;
}

/**
 * The k best items of `scores`. `scores` is scratch: excluded entries are overwritten with NaN, so
 * callers pass a buffer they own. Fewer than k items come back when fewer candidates exist.
 */
export function topK(scores: Float32Array, k: number, options: RankOptions): Ranking {
  const { movieIds, exclude, allowed } = options;
  const n = scores.length;
  if (movieIds.length !== n) {
    throw new Error(`topK: ${n} scores but ${movieIds.length} movie ids; pass one movie id per item index`);
  }
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`topK: k must be a non-negative integer, got ${k}`);
  if (allowed && allowed.length !== n) {
    throw new Error(`topK: ${n} scores but a candidate mask of ${allowed.length}; the mask needs one entry per item`);
  }
  if (exclude) for (let e = 0; e < exclude.length; e++) scores[exclude[e]] = Number.NaN;
  const capacity = Math.max(0, Math.min(k, n));
  // A min-heap of the current best: the root is the worst kept item, the first to be displaced.
  const heapItem = new Uint32Array(capacity);
  const heapScore = new Float32Array(capacity);
  let size = 0;
  // The root's score once the heap is full: most items fall below it and are skipped by one comparison,
  // which also skips NaN (serving's hot loop over 50,000 movies).
  let threshold = Number.NEGATIVE_INFINITY;
  if (capacity > 0) {
    for (let i = 0; i < n; i++) {
      const s = scores[i];
      if (!(s >= threshold) || (allowed && allowed[i] === 0)) continue;
      if (size < capacity) {
        heapItem[size] = i;
        heapScore[size] = s;
        siftUp(heapItem, heapScore, size, movieIds);
        if (++size === capacity) threshold = heapScore[0];
      } else if (better(s, movieIds[i], heapScore[0], movieIds[heapItem[0]])) {
        heapItem[0] = i;
        heapScore[0] = s;
        siftDown(heapItem, heapScore, size, movieIds);
        threshold = heapScore[0];
      }
    }
  }
  // Pop worst-first into the tail so the result reads best-first.
  const items = new Uint32Array(size);
  const out = new Float32Array(size);
  for (let last = size - 1; last >= 0; last--) {
    items[last] = heapItem[0];
    out[last] = heapScore[0];
    heapItem[0] = heapItem[last];
    heapScore[0] = heapScore[last];
    siftDown(heapItem, heapScore, last, movieIds);
  }
  return { items, scores: out };
}

/** True when (score a, movie id a) ranks ahead of (score b, movie id b). */
function better(scoreA: number, movieA: number, scoreB: number, movieB: number): boolean {
  return scoreA > scoreB || (scoreA === scoreB && movieA < movieB);
}

function siftUp(items: Uint32Array, scores: Float32Array, at: number, movieIds: Uint32Array): void {
  const item = items[at];
  const score = scores[at];
  while (at > 0) {
    const parent = (at - 1) >> 1;
    // Parent must be worse than (or equal to) the child in a min-heap of "goodness".
    if (!better(scores[parent], movieIds[items[parent]], score, movieIds[item])) break;
    items[at] = items[parent];
    scores[at] = scores[parent];
    at = parent;
  }
  items[at] = item;
  scores[at] = score;
}

function siftDown(items: Uint32Array, scores: Float32Array, size: number, movieIds: Uint32Array): void {
  if (size === 0) return;
  let at = 0;
  const item = items[0];
  const score = scores[0];
  for (;;) {
    const left = 2 * at + 1;
    if (left >= size) break;
    const right = left + 1;
    let worst = left;
    if (right < size && better(scores[left], movieIds[items[left]], scores[right], movieIds[items[right]])) {
      worst = right;
    }
    if (!better(score, movieIds[item], scores[worst], movieIds[items[worst]])) break;
    items[at] = items[worst];
    scores[at] = scores[worst];
    at = worst;
  }
  items[at] = item;
  scores[at] = score;
}
