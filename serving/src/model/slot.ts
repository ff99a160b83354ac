import { modelNotReady } from '../api/errors.ts';
import type { ModelHandle } from './handle.ts';

/**
 * The one reference to the model being served. A hot swap replaces it in one assignment; a request reads it
 * once and scores synchronously, so in-flight requests finish on the model they started with.
 */
export class ModelSlot {
  #current: ModelHandle | undefined;
  readonly #listeners: ((model: ModelHandle) => void)[] = [];
  #waiting: (() => string) | undefined;

  constructor(initial?: ModelHandle) {
    this.#current = initial;
  }

  /** What an empty slot's 503 says: why no model is loaded and what would load one. */
  explainWaiting(why: () => string): void {
    this.#waiting = why;
  }

  get current(): ModelHandle | undefined {
    return this.#current;
  }

  /** The current model, or a 503 saying why there is none yet. */
  require(): ModelHandle {
    if (!this.#current) throw modelNotReady(this.#waiting?.());
    return this.#current;
  }

  swap(model: ModelHandle): void {
    this.#current = model;
    for (const listener of this.#listeners) listener(model);
  }

  onSwap(listener: (model: ModelHandle) => void): void {
    this.#listeners.push(listener);
  }
}
