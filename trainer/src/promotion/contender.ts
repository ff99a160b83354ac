import path from 'node:path';
import { type Bundle, readBundle } from '@recsys/core/bundle/reader';
import { loadFallback, loadGateRecommender, MODEL_FILES } from '@recsys/core/model-files';
import { loadRecommender } from '@recsys/core/recommender/load';
import type { GateContender } from './score.ts';

/** A registered version's bundle, read and verified. */
export async function openVersion(store: string, modelName: string, version: string): Promise<Bundle> {
  return readBundle(path.join(store, modelName, version));
}

const epochSeconds = (iso: string) => Date.parse(iso) / 1000;

/** The candidate as the gate scores it: its train-only fit (PROTOCOL.md, "Comparing two models"). */
export function candidateContender(bundle: Bundle): GateContender {
  const gate = loadGateRecommender(bundle);
  const cutoff = bundle.manifest.extra.gate_fit_cutoff;
  if (!gate || typeof cutoff !== 'string') {
    throw new Error(
      `bundle ${bundle.manifest.version} has no train-only fit for the promotion gate; re-export it with \`recsys train\``,
    );
  }
  return {
    version: bundle.manifest.version,
    fitCutoff: epochSeconds(cutoff),
    recommender: gate.recommender,
    coldStart: gate.fallback,
    userIds: bundle.u32(MODEL_FILES.userIds),
  };
}

/**
 * Production as it is deployed (fit on train + validation of its own data, knowing its users' interactions up
 * to its history cutoff) when both end before the candidate's validation begins; otherwise its train-only fit,
 * so neither model is scored on data it saw and the window stays as wide as it can.
 */
export function productionContender(bundle: Bundle, candidateFitCutoff: number): GateContender {
  const { fit_cutoff, cutoffs } = bundle.manifest.dataset;
  const deployedCutoff = Math.max(epochSeconds(fit_cutoff), epochSeconds(cutoffs.history_end ?? fit_cutoff));
  if (deployedCutoff <= candidateFitCutoff) {
    const recommender = loadRecommender(bundle);
    const coldStart = loadFallback(bundle, recommender.catalogue, recommender);
    if (!coldStart) throw new Error(`bundle ${bundle.manifest.version} has no cold-start fallback`);
    return {
      version: bundle.manifest.version,
      fitCutoff: deployedCutoff,
      recommender,
      coldStart,
      userIds: bundle.u32(MODEL_FILES.userIds),
    };
  }
  return candidateContender(bundle);
}
