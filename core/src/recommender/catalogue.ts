import type { Csr } from '../csr.ts';
import type { BundleArrays } from './scorer.ts';

/** Bundle file names of what every recommender needs besides its scorer. */
export const CATALOGUE_FILES = {
  movieIds: 'movie_ids.u32',
  seenIndptr: 'seen_indptr.u32',
  seenIndices: 'seen_indices.u32',
  /** The fit catalogue mask; absent in bundles whose seen items are the fit data itself. */
  inCatalogue: 'in_catalogue.u8',
} as const;

/**
 * What the recommender knows besides its scorer: MovieLens ids per item index (the tie-break), each user's
 * seen items (their history: excluded by default, and what an item-based model scores from), and the fit
 * catalogue — items with at least one FIT interaction, the only candidates any model may rank (PROTOCOL.md
 * step 6). A deployed model's history can reach past its fit window; its candidates never do.
 */
export interface Catalogue {
  movieIds: Uint32Array;
  seen: Csr;
  inCatalogue: Uint8Array;
}

/** The catalogue of a model as it was fit: its history is its fit data. */
export function catalogueFromFit(fit: Csr, movieIds: Uint32Array): Catalogue {
  return catalogueWithHistory(fit, fit, movieIds);
}

/** The catalogue of a model fit on `fit` that knows every user by `history` (a superset of the fit data). */
export function catalogueWithHistory(fit: Csr, history: Csr, movieIds: Uint32Array): Catalogue {
  if (movieIds.length !== fit.cols || history.cols !== fit.cols) {
    throw new Error(
      `catalogue: the fit data has ${fit.cols} items, the history ${history.cols}, and ${movieIds.length} movie ids were given; all three must agree`,
    );
  }
  return { movieIds, seen: history, inCatalogue: itemsIn(fit) };
}

export function catalogueArrays(catalogue: Catalogue): Record<string, Uint32Array | Uint8Array> {
  return {
    [CATALOGUE_FILES.movieIds]: catalogue.movieIds,
    [CATALOGUE_FILES.seenIndptr]: catalogue.seen.indptr,
    [CATALOGUE_FILES.seenIndices]: catalogue.seen.indices,
    [CATALOGUE_FILES.inCatalogue]: catalogue.inCatalogue,
  };
}

export function catalogueFromBundle(arrays: BundleArrays): Catalogue {
  const movieIds = arrays.u32(CATALOGUE_FILES.movieIds);
  const indptr = arrays.u32(CATALOGUE_FILES.seenIndptr);
  const indices = arrays.u32(CATALOGUE_FILES.seenIndices);
  const seen = { rows: indptr.length - 1, cols: movieIds.length, indptr, indices };
  if (!arrays.has(CATALOGUE_FILES.inCatalogue)) return catalogueFromFit(seen, movieIds);
  const inCatalogue = arrays.u8(CATALOGUE_FILES.inCatalogue);
  if (inCatalogue.length !== movieIds.length) {
    throw new Error(
      `${CATALOGUE_FILES.inCatalogue}: ${inCatalogue.length} entries for ${movieIds.length} movies; expected one per movie`,
    );
  }
  return { movieIds, seen, inCatalogue };
}

function itemsIn(m: Csr): Uint8Array {
  const mask = new Uint8Array(m.cols);
  for (let e = 0; e < m.indices.length; e++) mask[m.indices[e]] = 1;
  return mask;
}
