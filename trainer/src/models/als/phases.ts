import { compileWasm, instantiateWasm, type WasmMemory, type WasmModule } from '@recsys/core/wasm';
import { WASM_BASE64 } from './kernel-wasm.ts';
import { type AlsLayout, type AlsViews, alsViews, LOSS_SLOTS, SUM_BLOCKS } from './layout.ts';
import { lossRows } from './loss.ts';

/**
 * The phases of an ALS fit. Every thread (the caller and each worker) runs a phase by taking chunks from
 * a shared atomic counter until none are left. Each row's solve reads only its own inputs, and gram and
 * loss sums go to fixed blocks the caller adds up in block order, so the result is the same whatever
 * the number of threads.
 */
export const SOLVE_USERS = 1;
export const SOLVE_ITEMS = 2;
export const GRAM_USERS = 3;
export const GRAM_ITEMS = 4;
export const LOSS = 5;

/**
 * Rows per solve chunk: small enough to balance two threads on power-law rows, large enough that the
 * shared counter is not contended.
 */
const SOLVE_CHUNK = 16;

interface AlsKernel {
  solve_rows(
    indptr: number,
    indices: number,
    confidence: number,
    x: number,
    y: number,
    gram: number,
    k: number,
    cgSteps: number,
    from: number,
    to: number,
    r: number,
    p: number,
    ap: number,
  ): void;
  gram_rows(y: number, k: number, from: number, to: number, out: number): void;
}

let kernelModule: WasmModule | undefined;

/** The compiled SIMD kernel (kernel.wat): compiled once, handed to workers through workerData. */
export function alsKernelModule(): WasmModule {
  kernelModule ??= compileWasm(Buffer.from(WASM_BASE64, 'base64'));
  return kernelModule;
}

/** One thread's handle on a fit: the kernel instance over the shared memory, views, and its scratch. */
export interface AlsThread {
  layout: AlsLayout;
  views: AlsViews;
  kernel: AlsKernel;
  /** Byte offset of this thread's r, p, Ap. */
  scratch: number;
  lossScratch: Float64Array;
}

export function alsThread(module: WasmModule, memory: WasmMemory, layout: AlsLayout, index: number): AlsThread {
  return {
    layout,
    views: alsViews(memory, layout),
    kernel: instantiateWasm(module, memory) as AlsKernel,
    scratch: layout.scratch + index * 3 * layout.k * 4,
    lossScratch: new Float64Array(layout.k),
  };
}

function blockRange(rows: number, block: number): [number, number] {
  return [Math.floor((block * rows) / SUM_BLOCKS), Math.floor(((block + 1) * rows) / SUM_BLOCKS)];
}

/** Runs chunks of `phase` until none are left, taking chunk numbers from the shared counter `control[slot]`. */
export function runPhase(t: AlsThread, phase: number, control: Int32Array, slot: number): void {
  const { layout: l, views: v, kernel } = t;
  const k = l.k;
  const rowBytes = k * 4;
  for (;;) {
    const chunk = Atomics.add(control, slot, 1);
    if (phase === SOLVE_USERS || phase === SOLVE_ITEMS) {
      const users = phase === SOLVE_USERS;
      const rows = users ? l.users : l.items;
      const from = chunk * SOLVE_CHUNK;
      if (from >= rows) return;
      const to = Math.min(rows, from + SOLVE_CHUNK);
      kernel.solve_rows(
        users ? l.userIndptr : l.itemIndptr,
        users ? l.userIndices : l.itemIndices,
        users ? l.userConfidence : l.itemConfidence,
        users ? l.userFactors : l.itemFactors,
        users ? l.itemFactors : l.userFactors,
        l.gram,
        k,
        l.cgSteps,
        from,
        to,
        t.scratch,
        t.scratch + rowBytes,
        t.scratch + 2 * rowBytes,
      );
    } else if (phase === GRAM_USERS || phase === GRAM_ITEMS) {
      if (chunk >= SUM_BLOCKS) return;
      const users = phase === GRAM_USERS;
      const [from, to] = blockRange(users ? l.users : l.items, chunk);
      kernel.gram_rows(users ? l.userFactors : l.itemFactors, k, from, to, l.gramPartials + chunk * k * rowBytes);
    } else if (phase === LOSS) {
      if (chunk >= SUM_BLOCKS) return;
      const [from, to] = blockRange(l.users, chunk);
      lossRows(
        v.users,
        v.userFactors,
        v.itemFactors,
        v.gram,
        k,
        from,
        to,
        t.lossScratch,
        v.lossPartials,
        chunk * LOSS_SLOTS,
      );
    } else {
      throw new Error(`ALS thread got unknown phase ${phase}; expected ${SOLVE_USERS}..${LOSS}`);
    }
  }
}
