import { sharedWasmMemory, type WasmMemory } from '@recsys/core/wasm';
import type { AlsSide } from './loss.ts';

/**
 * Where everything one ALS fit touches lives in the single shared WebAssembly memory that the SIMD
 * kernel and every thread use: byte offsets, 16-byte aligned. Plain numbers, so it crosses to workers.
 */
export interface AlsLayout {
  /** Factors padded to a multiple of 4 (f32x4 lanes); the padding columns stay zero. */
  k: number;
  users: number;
  items: number;
  /** Stored (user, item) entries. */
  nnz: number;
  cgSteps: number;
  threads: number;
  userIndptr: number;
  userIndices: number;
  userConfidence: number;
  itemIndptr: number;
  itemIndices: number;
  itemConfidence: number;
  userFactors: number;
  itemFactors: number;
  /** k×k f32: YtY + reg·I for a solve, YtY alone for the loss. */
  gram: number;
  /** SUM_BLOCKS k×k f32 partial gramians. */
  gramPartials: number;
  /** SUM_BLOCKS × LOSS_SLOTS f64 partial losses. */
  lossPartials: number;
  /** Per thread: r, p, Ap (k f32 each). */
  scratch: number;
  bytes: number;
}

/** Fixed so the block sums (and so the factors) are identical whatever the thread count. */
export const SUM_BLOCKS = 16;
export const LOSS_SLOTS = 3;

const PAGE = 65536;

export function planLayout(
  users: number,
  items: number,
  nnz: number,
  factors: number,
  cgSteps: number,
  threads: number,
): AlsLayout {
  const k = Math.ceil(factors / 4) * 4;
  let at = 16;
  const take = (bytes: number): number => {
    const start = at;
    at += Math.ceil(bytes / 16) * 16;
    return start;
  };
  const plan = {
    k,
    users,
    items,
    nnz,
    cgSteps,
    threads,
    userIndptr: take((users + 1) * 4),
    userIndices: take(nnz * 4),
    userConfidence: take(nnz * 4),
    itemIndptr: take((items + 1) * 4),
    itemIndices: take(nnz * 4),
    itemConfidence: take(nnz * 4),
    userFactors: take(users * k * 4),
    itemFactors: take(items * k * 4),
    gram: take(k * k * 4),
    gramPartials: take(SUM_BLOCKS * k * k * 4),
    lossPartials: take(SUM_BLOCKS * LOSS_SLOTS * 8),
    scratch: take(threads * 3 * k * 4),
    bytes: 0,
  };
  plan.bytes = Math.ceil(at / PAGE) * PAGE;
  return plan;
}

export function alsMemory(layout: AlsLayout): WasmMemory {
  const pages = layout.bytes / PAGE;
  if (pages > 65536) {
    throw new Error(`ALS needs ${layout.bytes} bytes of working memory; WebAssembly allows at most 4 GiB`);
  }
  return sharedWasmMemory(pages);
}

/** Typed-array views of the layout's regions (the memory never grows, so views stay valid). */
export interface AlsViews {
  users: AlsSide;
  items: AlsSide;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  gram: Float32Array;
  gramPartials: Float32Array;
  lossPartials: Float64Array;
}

export function alsViews(memory: WasmMemory, l: AlsLayout): AlsViews {
  const buffer = memory.buffer;
  const side = (indptr: number, indices: number, confidence: number, rows: number): AlsSide => ({
    indptr: new Uint32Array(buffer, indptr, rows + 1),
    indices: new Uint32Array(buffer, indices, l.nnz),
    confidence: new Float32Array(buffer, confidence, l.nnz),
  });
  return {
    users: side(l.userIndptr, l.userIndices, l.userConfidence, l.users),
    items: side(l.itemIndptr, l.itemIndices, l.itemConfidence, l.items),
    userFactors: new Float32Array(buffer, l.userFactors, l.users * l.k),
    itemFactors: new Float32Array(buffer, l.itemFactors, l.items * l.k),
    gram: new Float32Array(buffer, l.gram, l.k * l.k),
    gramPartials: new Float32Array(buffer, l.gramPartials, SUM_BLOCKS * l.k * l.k),
    lossPartials: new Float64Array(buffer, l.lossPartials, SUM_BLOCKS * LOSS_SLOTS),
  };
}
