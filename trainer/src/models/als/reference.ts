import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import type { Csr } from '@recsys/core/csr';
import { repoRoot } from '@recsys/core/testing/fixtures';

/**
 * Runs the Python `implicit` library's ALS (scripts/py/implicit_als.py) on the same problem, for the
 * comparison test, the bench and the lead's NDCG check. Test and bench only: the product never needs Python.
 */
export interface ImplicitRun {
  /** Wall seconds of each timed fit (loss calculation off). */
  fitSeconds: number[];
  /** CPU seconds (all threads) of each timed fit: steadier than wall time on a shared machine. */
  fitCpuSeconds: number[];
  /** implicit's training loss after each iteration of a separate fit, when `losses` was asked. */
  losses: number[];
  /** The BLAS implicit ran on, as threadpoolctl reports it. */
  blas: unknown[];
  userFactors: Float32Array;
  itemFactors: Float32Array;
}

export interface ImplicitProblem {
  factors: number;
  regularization: number;
  iterations: number;
  cgSteps: number;
  /** implicit's num_threads. */
  threads: number;
  init?: { userFactors: Float32Array; itemFactors: Float32Array };
  losses?: boolean;
  repeats?: number;
  /** Extra environment for the Python process (e.g. OPENBLAS_NUM_THREADS). */
  env?: Record<string, string | undefined>;
}

/** The venv python that scripts/python-env.sh makes, or undefined when it has not been made. */
export function implicitPython(): string | undefined {
  const cache = process.env.RECSYS_CACHE ?? path.join(homedir(), '.cache', 'recsys');
  const python = path.join(cache, 'venv', 'bin', 'python');
  return existsSync(python) ? python : undefined;
}

export function fitImplicit(interactions: Csr, problem: ImplicitProblem): ImplicitRun {
  const python = implicitPython();
  if (!python) throw new Error('the Python venv with implicit is missing; run scripts/python-env.sh first');
  if (!interactions.values) throw new Error('implicit needs confidences: pass a Csr with values');
  const dir = mkdtempSync(path.join(tmpdir(), 'recsys-implicit-'));
  try {
    const write = (name: string, data: ArrayBufferView) =>
      writeFileSync(path.join(dir, name), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    write('indptr.u32', interactions.indptr);
    write('indices.u32', interactions.indices);
    write('values.f32', interactions.values);
    if (problem.init) {
      write('user_factors.f32', problem.init.userFactors);
      write('item_factors.f32', problem.init.itemFactors);
    }
    const spec = {
      users: interactions.rows,
      items: interactions.cols,
      factors: problem.factors,
      regularization: problem.regularization,
      iterations: problem.iterations,
      cg_steps: problem.cgSteps,
      num_threads: problem.threads,
      repeats: problem.repeats ?? 1,
      losses: problem.losses ?? false,
    };
    writeFileSync(path.join(dir, 'problem.json'), JSON.stringify(spec));
    const script = path.join(repoRoot, 'scripts', 'py', 'implicit_als.py');
    const run = spawnSync(python, [script, dir], {
      encoding: 'utf8',
      env: { ...process.env, ...problem.env },
      maxBuffer: 64 << 20,
    });
    if (run.status !== 0) {
      throw new Error(`implicit_als.py failed (exit ${run.status}): ${run.stderr || run.error?.message || ''}`);
    }
    const out = JSON.parse(run.stdout) as {
      fit_seconds: number[];
      fit_cpu_seconds: number[];
      losses: number[];
      blas: unknown[];
    };
    const readF32 = (name: string) => {
      const bytes = readFileSync(path.join(dir, name));
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    };
    return {
      fitSeconds: out.fit_seconds,
      fitCpuSeconds: out.fit_cpu_seconds,
      losses: out.losses,
      blas: out.blas,
      userFactors: readF32('result_user_factors.f32'),
      itemFactors: readF32('result_item_factors.f32'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
