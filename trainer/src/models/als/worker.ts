import { workerData } from 'node:worker_threads';
import { type AlsLayout, DONE, FAILED, GENERATION, PHASE } from './layout.ts';
import { alsThread, EXIT, runPhase } from './phases.ts';
import type { WasmMemory, WasmModule } from './wasm.ts';

// One ALS helper thread: sleeps on the generation counter, runs each phase the calling thread starts, reports done.
const { module, memory, layout, index } = workerData as {
  module: WasmModule;
  memory: WasmMemory;
  layout: AlsLayout;
  index: number;
};
const thread = alsThread(module, memory, layout, index);
const control = thread.views.control;
let seen = 0;
for (;;) {
  Atomics.wait(control, GENERATION, seen);
  seen = Atomics.load(control, GENERATION);
  const phase = Atomics.load(control, PHASE);
  if (phase === EXIT) break;
  try {
    runPhase(thread, phase);
  } catch (error) {
    Atomics.store(control, FAILED, 1);
    console.error('ALS helper thread failed:', error);
  }
  Atomics.add(control, DONE, 1);
  Atomics.notify(control, DONE);
}
