import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../metrics/prng.ts';
import { DotKernel } from './dot-kernel.ts';
import { WAT_SHA256 } from './dot-kernel-wasm.ts';

describe('the SIMD dot kernel', () => {
  it('was assembled from the dot-kernel.wat in the tree (run scripts/build-wasm.ts after editing it)', () => {
    const source = readFileSync(new URL('./dot-kernel.wat', import.meta.url));
    expect(createHash('sha256').update(source).digest('hex')).toBe(WAT_SHA256);
  });

  // Widths around the 4- and 8-float steps: padding, the tail of four, and rows that are not 16-byte multiples.
  it.each([1, 3, 4, 5, 8, 12, 13, 64, 67])('dots every row with the vector at width %i', (width) => {
    const random = mulberry32(width);
    const rows = 257;
    const matrix = Float32Array.from({ length: rows * width }, () => random() - 0.5);
    const vector = Float32Array.from({ length: width }, () => random() - 0.5);
    const out = new Float32Array(rows);
    new DotKernel(matrix, rows, width).dotAll(vector, out);
    for (let r = 0; r < rows; r++) {
      let expected = 0;
      let magnitude = 0;
      for (let f = 0; f < width; f++) {
        expected += matrix[r * width + f] * vector[f];
        magnitude += Math.abs(matrix[r * width + f] * vector[f]);
      }
      expect(Math.abs(out[r] - expected)).toBeLessThanOrEqual(1e-6 * magnitude + 1e-12);
    }
  });

  it.each([3, 64, 67])('dots chosen rows, in the order asked, as dotAll does, at width %i', (width) => {
    const random = mulberry32(100 + width);
    const rows = 97;
    const matrix = Float32Array.from({ length: rows * width }, () => random() - 0.5);
    const vector = Float32Array.from({ length: width }, () => random() - 0.5);
    const kernel = new DotKernel(matrix, rows, width);
    const all = new Float32Array(rows);
    kernel.dotAll(vector, all);
    const chosen = Uint32Array.of(96, 0, 41, 41, 7);
    const out = new Float32Array(chosen.length);
    kernel.dotRows(chosen, vector, out);
    expect([...out]).toEqual([...chosen].map((r) => all[r]));
    expect(() => kernel.dotRows(Uint32Array.of(97), vector, out)).toThrow(/row 97 is outside 0..96/);
  });

  it('answers every call from the current vector, not the previous one', () => {
    const kernel = new DotKernel(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3);
    const out = new Float32Array(2);
    kernel.dotAll(Float32Array.of(1, 0, 0), out);
    expect([...out]).toEqual([1, 4]);
    kernel.dotAll(Float32Array.of(0, 0, 1), out);
    expect([...out]).toEqual([3, 6]);
  });

  it('refuses shapes that do not match, saying what was expected', () => {
    expect(() => new DotKernel(new Float32Array(5), 2, 3)).toThrow(/5 values are not 2 rows of 3/);
    const kernel = new DotKernel(new Float32Array(6), 2, 3);
    expect(() => kernel.dotAll(new Float32Array(4), new Float32Array(2))).toThrow(/expected 3 and 2/);
  });
});
