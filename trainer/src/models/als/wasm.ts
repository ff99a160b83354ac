/**
 * The few WebAssembly calls ALS makes, typed here because the workspace's TypeScript libs (ES2024 +
 * Node types, no DOM) do not declare the WebAssembly global that Node provides.
 */
export interface WasmModule {
  readonly __wasmModule: unique symbol;
}

export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
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

export function instantiateWasm(module: WasmModule, memory: WasmMemory): unknown {
  return new wasm.Instance(module, { env: { memory } }).exports;
}
