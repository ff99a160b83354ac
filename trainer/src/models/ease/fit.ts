import type { Csr } from '@recsys/core/csr';
import type { Neighbours } from '@recsys/core/recommender/item-knn';
import { invertSpd } from './spd-inverse.ts';

/** EASE's item-item weights as neighbour lists over the window's item index space. */
export interface EaseModel {
  /** Row i holds B_ij for every other catalogue item j (dense, signed); rows of items outside the catalogue are empty. */
  neighbours: Neighbours;
  /** Item indices in the gramian, ascending: those with a window interaction (the most popular of them when bounded). */
  catalogue: Uint32Array;
}

/** Peak bytes of an EASE fit over n items: the gramian and its inverse's scratch (Float64), then B as lists. */
export function easeBytes(items: number): number {
  return 24 * items * items;
}

/**
 * EASE (Steck 2019) on the binary window matrix X: P = (XᵀX + λI)⁻¹, B_ij = −P_ij / P_jj, B_ii = 0.
 * A user's score X_u B is the sum of B's rows over the user's items — what ItemKnnScorer computes — so B
 * is returned as neighbour lists. Only catalogue items enter the gramian: the others can never be ranked.
 * `maxItems` bounds the gramian to the catalogue's most popular items (most window interactions, ties by index):
 * the others get no EASE score, and what the user liked among them does not count.
 */
export function fitEase(window: Csr, lambda: number, maxItems = Number.POSITIVE_INFINITY): EaseModel {
  if (!(lambda > 0)) throw new Error(`ease: lambda must be a positive number (the L2 weight), got ${lambda}`);
  if (!(maxItems >= 1)) throw new Error(`ease: maxItems must be at least 1, got ${maxItems}`);
  const { catalogue, position } = catalogueOf(window, maxItems);
  const m = catalogue.length;
  const p = invertSpd(gramian(window, position, m, lambda), m);
  const indptr = new Uint32Array(window.cols + 1);
  const rowLength = m > 0 ? m - 1 : 0;
  for (let item = 0; item < window.cols; item++)
    indptr[item + 1] = indptr[item] + (position[item] >= 0 ? rowLength : 0);
  const indices = new Uint32Array(m * rowLength);
  const similarities = new Float32Array(m * rowLength);
  let at = 0;
  for (let a = 0; a < m; a++) {
    const row = a * m;
    for (let b = 0; b < m; b++) {
      if (b === a) continue;
      indices[at] = catalogue[b];
      similarities[at++] = -p[row + b] / p[b * m + b];
    }
  }
  return { neighbours: { indptr, indices, similarities }, catalogue };
}

function catalogueOf(window: Csr, maxItems: number): { catalogue: Uint32Array; position: Int32Array } {
  const counts = new Uint32Array(window.cols);
  for (let e = 0; e < window.indices.length; e++) counts[window.indices[e]]++;
  const position = new Int32Array(window.cols).fill(-1);
  const byCount = Array.from(counts.keys())
    .filter((item) => counts[item] > 0)
    .sort((a, b) => counts[b] - counts[a] || a - b);
  for (const item of byCount.slice(0, Math.min(byCount.length, maxItems))) position[item] = 0;
  let m = 0;
  for (let item = 0; item < window.cols; item++) if (position[item] === 0) position[item] = m++;
  const catalogue = new Uint32Array(m);
  for (let item = 0; item < window.cols; item++) if (position[item] >= 0) catalogue[position[item]] = item;
  return { catalogue, position };
}

/** XᵀX + λI over catalogue positions (lower triangle filled); X is binary, so a repeated (user, item) counts once. */
function gramian(window: Csr, position: Int32Array, m: number, lambda: number): Float64Array {
  const g = new Float64Array(m * m);
  const mark = new Int32Array(m).fill(-1);
  const row = new Int32Array(m);
  for (let user = 0; user < window.rows; user++) {
    let length = 0;
    for (let e = window.indptr[user]; e < window.indptr[user + 1]; e++) {
      const a = position[window.indices[e]];
      if (a < 0 || mark[a] === user) continue;
      mark[a] = user;
      row[length++] = a;
    }
    for (let x = 0; x < length; x++) {
      const a = row[x];
      for (let y = 0; y < length; y++) {
        const b = row[y];
        if (b <= a) g[a * m + b]++;
      }
    }
  }
  for (let a = 0; a < m; a++) g[a * m + a] += lambda;
  return g;
}
