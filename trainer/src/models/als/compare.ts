import type { Csr } from '@recsys/core/csr';
import { type AlsModel, type AlsParams, fitAls } from './fit.ts';
import { initialFactors } from './init.ts';
import { fitImplicit } from './reference.ts';

export interface AlsComparison {
  ours: AlsModel;
  implicit: AlsModel;
  /** Training loss after each iteration, as implicit's `calculate_loss` defines it. */
  losses: { ours: number[]; implicit: number[] };
  /** max over iterations of |ours − implicit| / implicit. */
  maxRelativeLossGap: number;
}

/**
 * Fits our ALS and the Python `implicit` library's from the SAME starting factors (seeded by
 * `params.seed`) on the same confidences, and returns both models and both loss curves — for the
 * parity test and for scoring both with the evaluation (test NDCG@10 within ±0.005). Needs the venv
 * from scripts/python-env.sh. implicit runs with `params.threads` threads and OPENBLAS_NUM_THREADS=1.
 */
export function compareWithImplicit(interactions: Csr, params: AlsParams): AlsComparison {
  const init = initialFactors(interactions.rows, interactions.cols, params.factors, params.seed);
  const oursLosses: number[] = [];
  const ours = fitAls(interactions, params, { init, onIteration: (_, loss) => oursLosses.push(loss) });
  const reference = fitImplicit(interactions, {
    factors: params.factors,
    regularization: params.regularization,
    iterations: params.iterations,
    cgSteps: params.cgSteps,
    threads: params.threads ?? 2,
    init,
    losses: true,
    env: { OPENBLAS_NUM_THREADS: '1' },
  });
  const gaps = oursLosses.map((loss, i) => Math.abs(loss - reference.losses[i]) / reference.losses[i]);
  return {
    ours,
    implicit: { userFactors: reference.userFactors, itemFactors: reference.itemFactors, factors: params.factors },
    losses: { ours: oursLosses, implicit: reference.losses },
    maxRelativeLossGap: Math.max(...gaps),
  };
}
