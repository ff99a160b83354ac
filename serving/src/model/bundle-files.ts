import type { Catalogue } from '@recsys/core/recommender/catalogue';
import type { MovieInfo } from './handle.ts';

/**
 * What serving reads from a bundle beyond the recommender's own files (core's `recommenderFiles`): the user id
 * map, movie metadata and the popularity tables. Names follow the prepared dataset's, so the trainer's export
 * copies them as they are.
 */
export const SERVING_FILES = {
  userIds: 'users.id.u32',
  items: 'items.json',
  popularity: 'popularity.count.u32',
  trending: 'popularity.trending.u32',
} as const;

export interface ServingTables {
  /** MovieLens user id per user index of the fit data. */
  userIds: Uint32Array;
  /** Metadata per item index. */
  items: readonly MovieInfo[];
  /** Positives per item in the fit window; derived from the seen-items CSR when absent. */
  popularity?: Uint32Array;
  /** Positives per item in the newest share of the fit window; /popular?window=trending needs it. */
  trending?: Uint32Array;
}

/** The serving tables as bundle files, to add to `recommenderFiles(...)` when exporting a model. */
export function servingFiles(tables: ServingTables): Record<string, Uint32Array | MovieInfo[]> {
  const files: Record<string, Uint32Array | MovieInfo[]> = {
    [SERVING_FILES.userIds]: tables.userIds,
    [SERVING_FILES.items]: tables.items.map(({ movie_id, title, year, genres }) => ({ movie_id, title, year, genres })),
  };
  if (tables.popularity) files[SERVING_FILES.popularity] = tables.popularity;
  if (tables.trending) files[SERVING_FILES.trending] = tables.trending;
  return files;
}

/** All-time popularity from the fit data itself: how many users have each item. */
export function popularityFromSeen(catalogue: Catalogue): Float32Array {
  const counts = new Float32Array(catalogue.movieIds.length);
  const { indices } = catalogue.seen;
  for (let e = 0; e < indices.length; e++) counts[indices[e]]++;
  return counts;
}
