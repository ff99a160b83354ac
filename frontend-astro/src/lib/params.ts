/** A positive id from a query string or path, or null when it is not one (the page then says what it expects). */
export function positiveId(raw: string | null | undefined): number | null {
  if (!raw || !/^[0-9]{1,10}$/.test(raw.trim())) return null;
  const id = Number(raw.trim());
  return id >= 1 && id <= 2 ** 31 - 1 ? id : null;
}
