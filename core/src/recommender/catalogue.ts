import type { Csr } from '../csr.ts';
import type { BundleArrays } from './scorer.ts';

/** Bundle file names of what every recommender needs besides its scorer. */
export const CATALOGUE_FILES = {
  movieIds: 'movie_ids.u32',
  seenIndptr: 'seen_indptr.u32',
  seenIndices: 'seen_indices.u32',
} as const;

/**
 * The fit data as the recommender sees it: MovieLens ids per item index (the tie-break), each user's
 * seen items (excluded by default), and the fit catalogue — items with at least one fit interaction, the
 * only candidates any model may rank (PROTOCOL.md step 6).
 */
export interface Catalogue {
  movieIds: Uint32Array;
  seen: Csr;
  inCatalogue: Uint8Array;
}

export function catalogueFromFit(fit: Csr, movieIds: Uint32Array): Catalogue {
  if (movieIds.length !== fit.cols) {
    throw new Error(`catalogue: the fit data has ${fit.cols} items but ${movieIds.length} movie ids were given`);
  }
  const inCatalogue = new Uint8Array(fit.cols);
  for (let e = 0; e < fit.indices.length; e++) inCatalogue[fit.indices[e]] = 1;
  return { movieIds, seen: fit, inCatalogue };
}

export function catalogueArrays(catalogue: Catalogue): Record<string, Uint32Array> {
  return {
    [CATALOGUE_FILES.movieIds]: catalogue.movieIds,
    [CATALOGUE_FILES.seenIndptr]: catalogue.seen.indptr,
    [CATALOGUE_FILES.seenIndices]: catalogue.seen.indices,
  };
}

export function catalogueFromBundle(arrays: BundleArrays): Catalogue {
  const movieIds = arrays.u32(CATALOGUE_FILES.movieIds);
  const indptr = arrays.u32(CATALOGUE_FILES.seenIndptr);
  const indices = arrays.u32(CATALOGUE_FILES.seenIndices);
  return catalogueFromFit({ rows: indptr.length - 1, cols: movieIds.length, indptr, indices }, movieIds);
}
