import { availableParallelism } from 'node:os';
import { type Csr, transpose } from '@recsys/core/csr';
import { initialFactors } from './init.ts';
import { type AlsLayout, type AlsViews, alsMemory, LOSS_SLOTS, planLayout, SUM_BLOCKS } from './layout.ts';
import { alsKernelModule, alsThread, GRAM_ITEMS, GRAM_USERS, LOSS, SOLVE_ITEMS, SOLVE_USERS } from './phases.ts';
import { withHelpers } from './pool.ts';

export interface AlsParams {
  factors: number;
  regularization: number;
  iterations: number;
  /** Conjugate-gradient steps per row per half-iteration (implicit's `cg_steps`, default 3 there). */
  cgSteps: number;
  seed: number;
  /** Threads including the calling one; defaults to the machine's available parallelism. */
  threads?: number;
}

export interface AlsOptions {
  /** Starting factors (row-major, users×factors and items×factors); copied, never modified. */
  init?: { userFactors: Float32Array; itemFactors: Float32Array };
  /** Called after each full iteration (users then items) with implicit's training loss. */
  onIteration?: (iteration: number, loss: number) => void;
}

export interface AlsModel {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  factors: number;
}

/**
 * Implicit-feedback ALS (Hu, Koren, Volinsky 2008) with implicit's conjugate-gradient solver.
 * `interactions` is users×items and its `values` are the confidences c_ui, read as implicit reads the
 * stored value: > 0 means preference 1 with confidence c_ui. Each iteration solves every user against
 * the item factors, then every item against the new user factors; the loss (when `onIteration` is
 * given) is implicit's `calculate_loss` after both halves. Synchronous: `threads − 1` helper threads
 * (pool.ts) share the work over one shared WebAssembly memory, and the calling thread does its share.
 */
export function fitAls(interactions: Csr, params: AlsParams, opts: AlsOptions = {}): AlsModel {
  checkParams(interactions, params, opts);
  const threads = Math.max(1, Math.floor(params.threads ?? availableParallelism()));
  const layout = planLayout(
    interactions.rows,
    interactions.cols,
    interactions.indices.length,
    params.factors,
    params.cgSteps,
    threads,
  );
  const memory = alsMemory(layout);
  const module = alsKernelModule();
  const main = alsThread(module, memory, layout, 0);
  const views = main.views;
  loadProblem(views, layout, interactions, params, opts);
  withHelpers(threads - 1, { module, memory, layout }, (runOn) => {
    const run = (phase: number) => runOn(phase, main);
    const gram = (phase: number): Float64Array => {
      run(phase);
      return sumGram(views, layout.k);
    };
    let itemGram: Float64Array | undefined;
    for (let iteration = 0; iteration < params.iterations; iteration++) {
      storeGram(views.gram, itemGram ?? gram(GRAM_ITEMS), layout.k, params.regularization);
      run(SOLVE_USERS);
      storeGram(views.gram, gram(GRAM_USERS), layout.k, params.regularization);
      run(SOLVE_ITEMS);
      itemGram = undefined;
      if (opts.onIteration) {
        // The loss needs the new items' YtY, which is also what the next iteration's user solve starts from.
        itemGram = gram(GRAM_ITEMS);
        storeGram(views.gram, itemGram, layout.k, 0);
        run(LOSS);
        opts.onIteration(iteration, sumLoss(views, itemGram, layout, interactions, params.regularization));
      }
    }
  });
  return {
    userFactors: unpad(views.userFactors, layout.users, layout.k, params.factors),
    itemFactors: unpad(views.itemFactors, layout.items, layout.k, params.factors),
    factors: params.factors,
  };
}

function checkParams(interactions: Csr, params: AlsParams, opts: AlsOptions): void {
  const { factors, regularization, iterations, cgSteps } = params;
  if (!Number.isInteger(factors) || factors < 1)
    throw new Error(`ALS factors must be a positive integer, got ${factors}`);
  if (!(regularization >= 0)) throw new Error(`ALS regularization must be >= 0, got ${regularization}`);
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new Error(`ALS iterations must be a non-negative integer, got ${iterations}`);
  }
  if (!Number.isInteger(cgSteps) || cgSteps < 1)
    throw new Error(`ALS cgSteps must be a positive integer, got ${cgSteps}`);
  if (!interactions.values) {
    throw new Error('ALS needs confidences: pass a Csr whose values hold c_ui for each stored (user, item)');
  }
  const init = opts.init;
  if (init) {
    const want = [interactions.rows * factors, interactions.cols * factors];
    if (init.userFactors.length !== want[0] || init.itemFactors.length !== want[1]) {
      throw new Error(
        `ALS init factors have lengths ${init.userFactors.length} and ${init.itemFactors.length}; expected ` +
          `${want[0]} (users ${interactions.rows} × ${factors}) and ${want[1]} (items ${interactions.cols} × ${factors})`,
      );
    }
  }
}

/** Copies the CSR (both orientations) and the starting factors, padded to `layout.k`, into the shared memory. */
function loadProblem(v: AlsViews, l: AlsLayout, interactions: Csr, params: AlsParams, opts: AlsOptions): void {
  const byItem = transpose(interactions);
  v.users.indptr.set(interactions.indptr);
  v.users.indices.set(interactions.indices);
  v.users.confidence.set(interactions.values!);
  v.items.indptr.set(byItem.indptr);
  v.items.indices.set(byItem.indices);
  v.items.confidence.set(byItem.values!);
  const start = opts.init ?? initialFactors(l.users, l.items, params.factors, params.seed);
  pad(start.userFactors, v.userFactors, l.users, params.factors, l.k);
  pad(start.itemFactors, v.itemFactors, l.items, params.factors, l.k);
}

function pad(source: Float32Array, target: Float32Array, rows: number, factors: number, k: number): void {
  for (let row = 0; row < rows; row++) target.set(source.subarray(row * factors, (row + 1) * factors), row * k);
}

function unpad(source: Float32Array, rows: number, k: number, factors: number): Float32Array {
  if (k === factors) return source.slice();
  const out = new Float32Array(rows * factors);
  for (let row = 0; row < rows; row++) out.set(source.subarray(row * k, row * k + factors), row * factors);
  return out;
}

/** Sums the blocks' partial gramians in block order. */
function sumGram(v: AlsViews, k: number): Float64Array {
  const total = new Float64Array(k * k);
  for (let b = 0; b < SUM_BLOCKS; b++) {
    const block = v.gramPartials.subarray(b * k * k, (b + 1) * k * k);
    for (let i = 0; i < k * k; i++) total[i] += block[i];
  }
  return total;
}

function storeGram(target: Float32Array, gram: Float64Array, k: number, regularization: number): void {
  target.set(gram);
  for (let i = 0; i < k; i++) target[i * k + i] = gram[i * k + i] + regularization;
}

/** implicit's normalisation: the loss over every (user, item) cell, observed ones weighted by |c_ui|. */
function sumLoss(v: AlsViews, itemGram: Float64Array, l: AlsLayout, interactions: Csr, regularization: number): number {
  let loss = 0;
  let userNorm = 0;
  let totalConfidence = 0;
  for (let b = 0; b < SUM_BLOCKS; b++) {
    loss += v.lossPartials[b * LOSS_SLOTS];
    userNorm += v.lossPartials[b * LOSS_SLOTS + 1];
    totalConfidence += v.lossPartials[b * LOSS_SLOTS + 2];
  }
  let itemNorm = 0;
  for (let i = 0; i < l.k; i++) itemNorm += itemGram[i * l.k + i];
  loss += regularization * (itemNorm + userNorm);
  const nnz = interactions.indices.length;
  return loss / (totalConfidence + interactions.rows * interactions.cols - nnz);
}
