/** Item attributes the optional filters need (R15): genres and the release year from the title. */
export interface ItemAttributes {
  genres: readonly string[];
  /** items × genres one-hot, row-major, genre order = `genres`. */
  itemGenres: Uint8Array;
  /** Year per item index; 0 when the title has none. */
  years: Uint16Array | Uint32Array;
}

export interface ItemFilter {
  /** Keep items with at least one of these genres. */
  genres?: readonly string[];
  /** Inclusive release-year range; items without a year are dropped when either bound is set. */
  yearFrom?: number;
  yearTo?: number;
}

export function isEmptyFilter(filter: ItemFilter | undefined): boolean {
  return !filter || (!filter.genres?.length && filter.yearFrom === undefined && filter.yearTo === undefined);
}

/** `base` narrowed by the filter: a new mask, `base` is left as it is. */
export function filterMask(base: Uint8Array, attributes: ItemAttributes | undefined, filter: ItemFilter): Uint8Array {
  if (!attributes) {
    throw new Error('recommender: a genre or year filter needs item attributes; load them with the bundle');
  }
  const { genres, itemGenres, years } = attributes;
  const wanted = (filter.genres ?? []).map((name) => {
    const g = genres.indexOf(name);
    if (g < 0) throw new Error(`unknown genre "${name}": expected one of ${genres.join(', ')}`);
    return g;
  });
  const from = filter.yearFrom ?? Number.NEGATIVE_INFINITY;
  const to = filter.yearTo ?? Number.POSITIVE_INFINITY;
  const byYear = filter.yearFrom !== undefined || filter.yearTo !== undefined;
  const mask = new Uint8Array(base.length);
  for (let i = 0; i < base.length; i++) {
    if (base[i] === 0) continue;
    if (byYear && (years[i] === 0 || years[i] < from || years[i] > to)) continue;
    if (wanted.length > 0 && !wanted.some((g) => itemGenres[i * genres.length + g] !== 0)) continue;
    mask[i] = 1;
  }
  return mask;
}
