/**
 * Catalogue coverage: the share of the catalogue that appears in at least one list, looking at the first
 * `depth` entries of each (PROTOCOL.md step 7).
 */
export class CoverageCounter {
  readonly #depth: number;
  readonly #catalogue: Uint8Array;
  readonly #catalogueSize: number;
  readonly #shown: Uint8Array;
  #shownCount = 0;

  /** `catalogue[i]` is non-zero for items that belong to the catalogue (the fit catalogue). */
  constructor(catalogue: Uint8Array, depth: number) {
    this.#depth = depth;
    this.#catalogue = catalogue;
    this.#shown = new Uint8Array(catalogue.length);
    let size = 0;
    for (let i = 0; i < catalogue.length; i++) if (catalogue[i] !== 0) size++;
    if (size === 0) throw new Error('CoverageCounter: the catalogue is empty; pass a mask with at least one item');
    this.#catalogueSize = size;
  }

  add(ranked: Uint32Array): void {
    const depth = Math.min(this.#depth, ranked.length);
    for (let r = 0; r < depth; r++) {
      const item = ranked[r];
      if (this.#shown[item] === 0 && this.#catalogue[item] !== 0) {
        this.#shown[item] = 1;
        this.#shownCount++;
      }
    }
  }

  get value(): number {
    return this.#shownCount / this.#catalogueSize;
  }
}
