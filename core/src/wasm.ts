/**
 * The few WebAssembly calls our SIMD kernels make (ALS in the trainer, scoring in core), typed here because the workspace's TypeScript libs (ES2024 +
 * Node types, no DOM) do not declare the WebAssembly global that Node provides.
 */
export interface WasmModule {
  readonly __wasmModule: unique symbol;
}

export interface WasmMemory {
  /** A SharedArrayBuffer for a shared memory (ALS threads), an ArrayBuffer otherwise. */
  readonly buffer: ArrayBufferLike;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number; maximum: number; shared?: true }) => WasmMemory;
  Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => { exports: unknown };
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export function compileWasm(bytes: Uint8Array): WasmModule {
  return new wasm.Module(bytes);
}

/** A fixed-size shared memory (it never grows, so typed-array views over it stay valid). */
export function sharedWasmMemory(pages: number): WasmMemory {
  return new wasm.Memory({ initial: pages, maximum: pages, shared: true });
}

/** A fixed-size memory of one thread (it never grows, so typed-array views over it stay valid). */
export function wasmMemory(pages: number): WasmMemory {
  return new wasm.Memory({ initial: pages, maximum: pages });
}

export const WASM_PAGE_BYTES = 65_536;

export function instantiateWasm(module: WasmModule, memory: WasmMemory): unknown {
  return new wasm.Instance(module, { env: { memory } }).exports;
}
