import { compileWasm, instantiateWasm, WASM_PAGE_BYTES, type WasmModule, wasmMemory } from '../wasm.ts';
import { WASM_BASE64 } from './dot-kernel-wasm.ts';

interface DotExports {
  dot_rows(rows: number, vec: number, out: number, n: number, stride: number): void;
}

let compiled: WasmModule | undefined;

/**
 * A row-major Float32 matrix held in its own WebAssembly memory, scored against a vector with the SIMD kernel
 * (dot-kernel.wat): the hot loop of factor-model serving. Rows are copied once, padded with zero columns to a
 * multiple of 4. Sums run in float32 over lanes, so scores agree with a float64 loop to about 1e-6 relative;
 * evaluation and serving both score through here, so rankings are the same in both.
 */
export class DotKernel {
  readonly rows: number;
  readonly width: number;
  readonly #stride: number;
  readonly #exports: DotExports;
  readonly #vector: Float32Array;
  readonly #out: Float32Array;
  readonly #offsets: { rows: number; vector: number; out: number };

  constructor(matrix: Float32Array, rows: number, width: number) {
    if (matrix.length !== rows * width) {
      throw new Error(`dot kernel: ${matrix.length} values are not ${rows} rows of ${width}`);
    }
    this.rows = rows;
    this.width = width;
    this.#stride = Math.ceil(width / 4) * 4;
    const rowsBytes = rows * this.#stride * 4;
    // 16-byte aligned regions: padded rows, the query vector, the scores.
    const vector = align16(rowsBytes);
    const out = align16(vector + this.#stride * 4);
    const end = out + rows * 4;
    const memory = wasmMemory(Math.max(1, Math.ceil(end / WASM_PAGE_BYTES)));
    compiled ??= compileWasm(Buffer.from(WASM_BASE64, 'base64'));
    this.#exports = instantiateWasm(compiled, memory) as DotExports;
    this.#offsets = { rows: 0, vector, out };
    this.#vector = new Float32Array(memory.buffer, vector, this.#stride);
    this.#out = new Float32Array(memory.buffer, out, rows);
    const padded = new Float32Array(memory.buffer, 0, rows * this.#stride);
    if (this.#stride === width) padded.set(matrix);
    else for (let r = 0; r < rows; r++) padded.set(matrix.subarray(r * width, (r + 1) * width), r * this.#stride);
  }

  /** out[r] = row r · vector, for every row. */
  dotAll(vector: Float32Array, out: Float32Array): void {
    if (vector.length !== this.width || out.length !== this.rows) {
      throw new Error(
        `dot kernel: a vector of ${vector.length} and ${out.length} outputs, expected ${this.width} and ${this.rows}`,
      );
    }
    this.#vector.set(vector);
    const { rows, vector: at, out: to } = this.#offsets;
    this.#exports.dot_rows(rows, at, to, this.rows, this.#stride);
    out.set(this.#out);
  }

  /** out[i] = row rows[i] · vector: a few rows (an explanation's pairs) without scoring every row. */
  dotRows(rows: Uint32Array, vector: Float32Array, out: Float32Array): void {
    if (vector.length !== this.width || out.length < rows.length || rows.length > this.rows) {
      throw new Error(
        `dot kernel: a vector of ${vector.length} and ${out.length} outputs for ${rows.length} rows, expected ${this.width} and at least ${rows.length} (at most ${this.rows} rows)`,
      );
    }
    this.#vector.set(vector);
    const { rows: at, vector: query, out: to } = this.#offsets;
    const rowBytes = this.#stride * 4;
    for (let i = 0; i < rows.length; i++) {
      if (rows[i] >= this.rows) throw new RangeError(`dot kernel: row ${rows[i]} is outside 0..${this.rows - 1}`);
      this.#exports.dot_rows(at + rows[i] * rowBytes, query, to + i * 4, 1, this.#stride);
    }
    out.set(this.#out.subarray(0, rows.length));
  }
}

function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
