import { alsScorer } from '@recsys/core/recommender/als';
import { catalogueFromFit } from '@recsys/core/recommender/catalogue';
import { Recommender } from '@recsys/core/recommender/recommender';
import { ml100kDir, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedDataset } from '../../data/dataset.ts';
import { prepareDataset } from '../../data/prepare.ts';
import { readPrepared } from '../../data/prepared.ts';
import { evaluate } from '../../evaluate/evaluate.ts';
import { type AlsComparison, compareWithImplicit } from './compare.ts';
import type { AlsModel } from './fit.ts';
import { implicitPython } from './reference.ts';

// The Python venv comes from scripts/python-env.sh (make test runs it first); under CI its absence fails.
const python = implicitPython();
if (!python && process.env.CI === 'true') {
  throw new Error('the implicit venv is missing under CI=true; run scripts/python-env.sh before the integration tier');
}
const data = ml100kDir();
const CONFIDENCE = 2;
const REGULARIZATION = 0.05;

/** Test NDCG@10 through the product's own evaluation (PROTOCOL.md), the model fit on train + validation. */
function testNdcg10(model: AlsModel, prepared: PreparedDataset): number {
  const scorer = alsScorer(model, { confidence: CONFIDENCE, regularization: REGULARIZATION });
  const recommender = new Recommender(scorer, catalogueFromFit(prepared.fit, prepared.movieIds));
  return evaluate({ recommender, heldOut: prepared.test }).warm.metrics['ndcg@10'];
}

describe.skipIf(!python || !data)('ALS against the Python implicit library on ml-100k', () => {
  const temp = tempDir('recsys-als-int-');
  let prepared: PreparedDataset;
  let comparison: AlsComparison;

  beforeAll(async () => {
    await prepareDataset({ source: data!, out: `${temp.dir}/prepared` });
    prepared = readPrepared(`${temp.dir}/prepared`);
    // Confidence 2 on each positive: implicit reads the stored value as c_ui.
    const fit = { ...prepared.fit, values: new Float32Array(prepared.fit.indices.length).fill(CONFIDENCE) };
    comparison = compareWithImplicit(fit, {
      factors: 64,
      regularization: REGULARIZATION,
      iterations: 15,
      cgSteps: 3,
      seed: 42,
      threads: 2,
    });
  });
  afterAll(() => temp.cleanup());

  it('fits the protocol train + validation split (37,214 + 7,975 positives)', () => {
    expect(prepared.fit.indices.length).toBe(37_214 + 7_975);
  });

  it('matches implicit’s training loss within 1% at every one of the 15 iterations', () => {
    const { ours, implicit } = comparison.losses;
    expect(ours).toHaveLength(15);
    expect(implicit).toHaveLength(15);
    const rows = ours.map((loss, i) => ({
      iteration: i + 1,
      ours: loss,
      implicit: implicit[i],
      relative_gap: Math.abs(loss - implicit[i]) / implicit[i],
    }));
    console.table(rows);
    console.log(`max relative loss gap: ${comparison.maxRelativeLossGap}`);
    for (const row of rows) expect(row.relative_gap).toBeLessThan(0.01);
    expect(ours.at(-1)!).toBeLessThan(ours[0]);
  });

  it('ranks test items as well as implicit (test NDCG@10 within 0.005)', () => {
    const ours = testNdcg10(comparison.ours, prepared);
    const implicit = testNdcg10(comparison.implicit, prepared);
    console.log(`test NDCG@10: ours ${ours.toFixed(4)}, implicit ${implicit.toFixed(4)}`);
    expect(ours).toBeGreaterThan(0.05);
    expect(Math.abs(ours - implicit)).toBeLessThan(0.005);
  });
});
