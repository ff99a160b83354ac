import { type Draft, event } from '../draft.ts';

/**
 * Production is the registry's: when it moved outside this RecModel's runs (someone ran `recsys promote`), the
 * status follows it, says so once, and forgets the NDCG@10 of a decision that no longer describes Production.
 */
export function followProduction(draft: Draft): void {
  const before = draft.previous.productionVersion;
  const now = draft.world.productionVersion;
  const run = draft.world.run;
  // A promotion of ours applied before its status was written is not a move from outside.
  const ours = run?.candidate?.version === now && run.name === draft.previous.training?.runName;
  if (before === undefined || before === (now ?? undefined) || ours) return;
  draft.status.productionNdcgAt10 = undefined;
  event(
    draft,
    'Normal',
    'ProductionChanged',
    `Production is ${now ?? 'none'} in the registry (was ${before}), moved outside this RecModel's runs`,
  );
}
