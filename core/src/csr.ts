/**
 * Compressed sparse rows: row r owns indices[indptr[r] .. indptr[r + 1]).
 * Rows are users and columns items unless a name says otherwise. `values` and `times` are optional
 * per-entry arrays aligned with `indices` (a rating or confidence, an event time in epoch seconds).
 */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Uint32Array;
  readonly indices: Uint32Array;
  readonly values?: Float32Array;
  readonly times?: Float64Array;
}

/** Entries of row r as a subarray view (no copy). */
export function rowIndices(m: Csr, r: number): Uint32Array {
  return m.indices.subarray(m.indptr[r], m.indptr[r + 1]);
}

export function rowLength(m: Csr, r: number): number {
  return m.indptr[r + 1] - m.indptr[r];
}

/**
 * Builds a CSR from coordinate triples. Within a row, entries keep their input order (callers pass
 * events in time order, so rows stay time-ordered). Duplicate (row, col) pairs are kept as given.
 */
export function csrFromCoo(
  rows: number,
  cols: number,
  rowOf: Uint32Array,
  colOf: Uint32Array,
  extra: { values?: Float32Array; times?: Float64Array } = {},
): Csr {
  const n = rowOf.length;
  const indptr = new Uint32Array(rows + 1);
  for (let e = 0; e < n; e++) indptr[rowOf[e] + 1]++;
  for (let r = 0; r < rows; r++) indptr[r + 1] += indptr[r];
  const cursor = indptr.slice(0, rows);
  const indices = new Uint32Array(n);
  const values = extra.values ? new Float32Array(n) : undefined;
  const times = extra.times ? new Float64Array(n) : undefined;
  for (let e = 0; e < n; e++) {
    const at = cursor[rowOf[e]]++;
    indices[at] = colOf[e];
    if (values) values[at] = extra.values![e];
    if (times) times[at] = extra.times![e];
  }
  return { rows, cols, indptr, indices, values, times };
}

/** The transpose (items × users), keeping per-entry arrays aligned. */
export function transpose(m: Csr): Csr {
  const n = m.indices.length;
  const rowOf = new Uint32Array(n);
  for (let r = 0; r < m.rows; r++) rowOf.fill(r, m.indptr[r], m.indptr[r + 1]);
  return csrFromCoo(m.cols, m.rows, m.indices, rowOf, { values: m.values, times: m.times });
}
