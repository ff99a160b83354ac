import path from 'node:path';
import { readProductionPointer } from '@recsys/core/registry/pointer';
import { ml100kDir, repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { retrain } from '@recsys/trainer/retrain/retrain';
import { afterAll, describe, expect, it } from 'vitest';
import { localPaths, readRecModelFile, retrainOptionsFromSpec } from './spec-options.ts';

const source = ml100kDir();
const scratch = tempDir('recsys-spec-policy-');
afterAll(() => scratch.cleanup());

/** examples/recmodel.yaml on ml-100k, with its models and promotion replaced as a test needs. */
function specWith(models: { family: string; budget: number }, promotion: Record<string, unknown> = {}) {
  const recModel = readRecModelFile(path.join(repoRoot, 'examples/recmodel.yaml'));
  recModel.spec.dataset.source = source!;
  recModel.spec.models = { families: [{ name: models.family as 'popularity' }], budget: models.budget };
  recModel.spec.promotion = { ...recModel.spec.promotion, ...promotion };
  return retrainOptionsFromSpec(recModel, localPaths(scratch.dir));
}

describe.runIf(source)('the promotion policy of a RecModel spec, on ml-100k', () => {
  it('retains a crippled candidate naming the failing rule and both values, and a forcing policy promotes it', async () => {
    const first = await retrain(specWith({ family: 'itemknn', budget: 2 }));
    expect(first.decision.verdict).toBe('promote');

    // Crippled: popularity only, one candidate, under the example's policy (+1% NDCG@10, coverage@100 >= 0.5).
    const crippled = await retrain(specWith({ family: 'popularity', budget: 1 }));
    const { decision } = crippled;
    expect(decision.verdict).toBe('retain');
    expect(decision.production_version).toBe(first.version);
    const ndcg = decision.metrics.find((m) => m.name === 'ndcg@10')!;
    expect(ndcg.passed).toBe(false);
    expect(ndcg.candidate).toBeLessThan(ndcg.production!);
    expect(decision.failed_rules.some((rule) => rule.startsWith('ndcg@10'))).toBe(true);
    expect(decision.summary).toContain(`ndcg@10 ${ndcg.candidate.toFixed(4)} vs ${ndcg.production!.toFixed(4)}`);
    expect(readProductionPointer(path.join(scratch.dir, 'store'), 'movies')).toBe(first.version);
    console.log(`crippled: ${decision.summary}`);

    // Forcing: minRelativeImprovement -1.0 (and no secondary or constraint rule) promotes the same weak family.
    const forced = await retrain(
      specWith(
        { family: 'popularity', budget: 1 },
        { minRelativeImprovement: -1, maxSecondaryRegression: 1, constraints: [] },
      ),
    );
    expect(forced.decision.verdict).toBe('promote');
    expect(forced.decision.failed_rules).toEqual([]);
    expect(readProductionPointer(path.join(scratch.dir, 'store'), 'movies')).toBe(forced.version);
    console.log(`forced: ${forced.decision.summary}`);
  }, 300_000);
});
