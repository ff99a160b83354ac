/** A positive id from a query string or path, or null when it is not one (the page then says what it expects). */
export function positiveId(raw: string | null | undefined): number | null {
  if (!raw || !/^[0-9]{1,10}$/.test(raw.trim())) return null;
  const id = Number(raw.trim());
  return id >= 1 && id <= 2 ** 31 - 1 ? id : null;
}

export interface ListFilters {
  genres?: string[];
  year_min?: number;
  year_max?: number;
}

/** The For-you filters from the query string (`genre`, `from`, `to`), and what is wrong with them, in words. */
export function listFilters(params: URLSearchParams): { filters: ListFilters; problems: string[] } {
  const filters: ListFilters = {};
  const problems: string[] = [];
  const genre = params.get('genre')?.trim();
  if (genre) filters.genres = [genre];
  for (const [name, key, label] of [
    ['from', 'year_min', 'From year'],
    ['to', 'year_max', 'To year'],
  ] as const) {
    const raw = params.get(name)?.trim();
    if (!raw) continue;
    if (/^[0-9]{4}$/.test(raw)) filters[key] = Number(raw);
    else problems.push(`${label} must be a four-digit year such as 1990, not “${raw}”.`);
  }
  if (filters.year_min !== undefined && filters.year_max !== undefined && filters.year_min > filters.year_max) {
    problems.push(`From year (${filters.year_min}) must not be after To year (${filters.year_max}).`);
  }
  return { filters, problems };
}
