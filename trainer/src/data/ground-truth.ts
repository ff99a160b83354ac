import { readFileSync } from 'node:fs';
import path from 'node:path';

export const GROUND_TRUTH_FILE = 'ground_truth.json';

/**
 * The hidden model behind a synthetic dataset. Ids are MovieLens-style (user u is row u - 1, movie i row i - 1).
 * Taste = mean of the user's genre weights over the movie's genres + latent_scale · (user latent · item latent) / √factors.
 */
export interface GroundTruth {
  users: number;
  items: number;
  genres: string[];
  factors: number;
  latentScale: number;
  /** users × genres. */
  userGenre: Float32Array;
  /** users × factors. */
  userLatent: Float32Array;
  /** items × factors. */
  itemLatent: Float32Array;
  /** items × genres one-hot. */
  itemGenres: Uint8Array;
  /** User-independent appeal: raises both the chance of being picked and the rating. */
  itemQuality: Float32Array;
  /** Epoch seconds; back-catalogue movies were released before the observed period. */
  itemRelease: Float64Array;
  userArrival: Float64Array;
}

/** The files beside ground_truth.json, in the order they are written. */
export const TRUTH_FILES = {
  userGenre: 'truth.user_genre.f32',
  userLatent: 'truth.user_latent.f32',
  itemLatent: 'truth.item_latent.f32',
  itemGenres: 'truth.item_genres.u8',
  itemQuality: 'truth.item_quality.f32',
  itemRelease: 'truth.item_release.f64',
  userArrival: 'truth.user_arrival.f64',
} as const;

/** The hidden taste of user `userId` for movie `movieId` (both 1-based, as in ratings.dat). */
export function trueAffinity(truth: GroundTruth, userId: number, movieId: number): number {
  const u = userId - 1;
  const i = movieId - 1;
  const g = truth.genres.length;
  let genre = 0;
  let genres = 0;
  for (let c = 0; c < g; c++) {
    if (truth.itemGenres[i * g + c]) {
      genre += truth.userGenre[u * g + c];
      genres++;
    }
  }
  let latent = 0;
  for (let f = 0; f < truth.factors; f++)
    latent += truth.userLatent[u * truth.factors + f] * truth.itemLatent[i * truth.factors + f];
  return (genres ? genre / genres : 0) + (truth.latentScale * latent) / Math.sqrt(truth.factors);
}

export function readGroundTruth(dir: string): GroundTruth {
  const meta = JSON.parse(readFileSync(path.join(dir, GROUND_TRUTH_FILE), 'utf8')) as {
    users: number;
    items: number;
    genres: string[];
    latent_factors: number;
    latent_scale: number;
  };
  const bytes = (name: string) => new Uint8Array(readFileSync(path.join(dir, name))).buffer;
  return {
    users: meta.users,
    items: meta.items,
    genres: meta.genres,
    factors: meta.latent_factors,
    latentScale: meta.latent_scale,
    userGenre: new Float32Array(bytes(TRUTH_FILES.userGenre)),
    userLatent: new Float32Array(bytes(TRUTH_FILES.userLatent)),
    itemLatent: new Float32Array(bytes(TRUTH_FILES.itemLatent)),
    itemGenres: new Uint8Array(bytes(TRUTH_FILES.itemGenres)),
    itemQuality: new Float32Array(bytes(TRUTH_FILES.itemQuality)),
    itemRelease: new Float64Array(bytes(TRUTH_FILES.itemRelease)),
    userArrival: new Float64Array(bytes(TRUTH_FILES.userArrival)),
  };
}
