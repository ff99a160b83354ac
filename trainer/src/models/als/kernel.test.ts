import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WAT_SHA256 } from './kernel-wasm.ts';

describe('the ALS SIMD kernel', () => {
  it('was assembled from the kernel.wat in the tree (run scripts/build-wasm.ts after editing it)', () => {
    const source = readFileSync(new URL('./kernel.wat', import.meta.url));
    expect(createHash('sha256').update(source).digest('hex')).toBe(WAT_SHA256);
  });
});
