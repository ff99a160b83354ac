import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { WasmMemory, WasmModule } from '@recsys/core/wasm';
import type { AlsLayout } from './layout.ts';
import { type AlsThread, runPhase } from './phases.ts';

/**
 * Helper threads for ALS, started once per process and reused by every fit (starting a worker costs
 * 50–250 ms, a whole ml-100k fit ~300 ms). They are unref'd, so they never keep the process alive.
 * The calling thread drives them synchronously: it writes the phase, bumps each active helper's wake
 * word, does its own share, then sleeps on the done counter (Atomics over a SharedArrayBuffer).
 */

/** Control words: the phase, the shared chunk counter, helpers done, a failure flag; then one wake word per helper. */
export const PHASE = 0;
export const NEXT_CHUNK = 1;
const DONE = 2;
const FAILED = 3;
const WAKE = 4;
const MAX_HELPERS = 64;

/** Phases that are not model work: take this fit's memory, drop it. */
export const ATTACH = 100;
export const DETACH = 101;

/** What a helper needs for one fit, sent over its port before the ATTACH phase. */
export interface AttachMessage {
  module: WasmModule;
  memory: WasmMemory;
  layout: AlsLayout;
}

/** How long the caller waits for new helper threads to attach before giving up. */
const START_TIMEOUT_MS = 60_000;

const control = new Int32Array(new SharedArrayBuffer((WAKE + MAX_HELPERS) * 4));
const helpers: { worker: Worker; port: MessagePort }[] = [];
let busy = false;

/** Runs `fit` with `count` helper threads attached to this fit's memory, detaching them afterwards. */
export function withHelpers<T>(
  count: number,
  attach: AttachMessage,
  fit: (run: (phase: number, main: AlsThread) => void) => T,
): T {
  if (busy) throw new Error('fitAls is already running on this thread; it cannot be called from onIteration');
  const active = Math.min(count, MAX_HELPERS);
  const fresh = helpers.length < active;
  while (helpers.length < active) {
    const { port1, port2 } = new MessageChannel();
    const index = helpers.length + 1;
    const worker = new Worker(new URL('./worker.ts', import.meta.url), {
      workerData: { control, port: port2, index },
      transferList: [port2],
    });
    worker.unref();
    helpers.push({ worker, port: port1 });
  }
  const run = (phase: number, main: AlsThread | undefined, timeoutMs = Number.POSITIVE_INFINITY): void => {
    Atomics.store(control, PHASE, phase);
    Atomics.store(control, NEXT_CHUNK, 0);
    Atomics.store(control, DONE, 0);
    Atomics.store(control, FAILED, 0);
    for (let h = 0; h < active; h++) {
      Atomics.add(control, WAKE + h, 1);
      Atomics.notify(control, WAKE + h);
    }
    let failure: unknown;
    try {
      if (main) runPhase(main, phase, control, NEXT_CHUNK);
    } catch (error) {
      // Let the helpers finish this phase first, so no stale "done" leaks into the next one.
      failure = error ?? new Error('ALS phase failed');
    }
    const deadline = Date.now() + timeoutMs;
    for (let done = Atomics.load(control, DONE); done < active; done = Atomics.load(control, DONE)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `ALS helper threads did not start within ${timeoutMs / 1000} s; fit with threads: 1, or check that ` +
            'worker_threads can load trainer/src/models/als/worker.ts',
        );
      }
      Atomics.wait(control, DONE, done, Math.min(left, 1_000));
    }
    if (failure !== undefined) throw failure;
    if (Atomics.load(control, FAILED) !== 0) throw new Error('an ALS helper thread failed (its error is on stderr)');
  };
  busy = true;
  try {
    if (active === 0) return fit((phase, main) => run(phase, main));
    for (let h = 0; h < active; h++) helpers[h].port.postMessage(attach);
    run(ATTACH, undefined, fresh ? START_TIMEOUT_MS : Number.POSITIVE_INFINITY);
    try {
      return fit((phase, main) => run(phase, main));
    } finally {
      run(DETACH, undefined);
    }
  } finally {
    busy = false;
  }
}

/** A helper's side: wait for a wake, run the phase, report done. Never returns. */
export function serveHelper(
  shared: Int32Array,
  port: MessagePort,
  index: number,
  attachThread: (m: AttachMessage) => AlsThread,
): void {
  const wake = WAKE + index - 1;
  let thread: AlsThread | undefined;
  // Wake words start at 0 and only this helper's fits bump it, so 0 is right even if the first wake came before we got here.
  let seen = 0;
  for (;;) {
    Atomics.wait(shared, wake, seen);
    seen = Atomics.load(shared, wake);
    const phase = Atomics.load(shared, PHASE);
    try {
      if (phase === ATTACH) thread = attachThread(receiveMessageOnPort(port)!.message as AttachMessage);
      else if (phase === DETACH) thread = undefined;
      else if (thread) runPhase(thread, phase, shared, NEXT_CHUNK);
      else throw new Error(`ALS helper ${index} got phase ${phase} before any fit attached it`);
    } catch (error) {
      Atomics.store(shared, FAILED, 1);
      console.error(`ALS helper thread ${index} failed:`, error);
    }
    Atomics.add(shared, DONE, 1);
    Atomics.notify(shared, DONE);
  }
}
