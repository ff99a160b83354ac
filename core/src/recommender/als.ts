import { type FactorModel, FactorScorer, type FoldIn } from './factors.ts';
import { alsFoldIn } from './fold-in.ts';

/** What an ALS fold-in needs, as kept in `scorer.json` under `fold_in` (snake_case keys). */
export interface AlsFoldInParams {
  /** Confidence given to each liked item (1 + alpha · r at fit time). */
  confidence: number;
  regularization: number;
}

/** A factor scorer whose users outside the fit data are folded in by the exact ALS least-squares solve. */
export function alsScorer(model: FactorModel, params: AlsFoldInParams): FactorScorer {
  return new FactorScorer(model, {
    foldIn: alsFoldIn(model.itemFactors, model.factors, params.confidence, params.regularization),
    foldInParams: { confidence: params.confidence, regularization: params.regularization },
  });
}

/** The loader's default: an ALS fold-in when `scorer.json` names its parameters, otherwise none. */
export function alsFoldInFromParams(model: FactorModel, params: Record<string, unknown>): FoldIn | undefined {
  const { confidence, regularization } = params;
  if (typeof confidence !== 'number' || typeof regularization !== 'number') return undefined;
  return alsFoldIn(model.itemFactors, model.factors, confidence, regularization);
}
