import { MODEL_FILES } from '@recsys/core/model-files';
import type { Catalogue } from '@recsys/core/recommender/catalogue';
import type { MovieInfo } from './handle.ts';

/**
 * What serving reads from a bundle beyond the recommender's own files (core's `recommenderFiles`): the user id
 * map, movie metadata and the popularity tables, under core's MODEL_FILES names (the trainer's export writes them).
 */
export const SERVING_FILES = MODEL_FILES;

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

/** The serving tables as bundle files, as the trainer's export writes them (for bundles written in tests). */
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
