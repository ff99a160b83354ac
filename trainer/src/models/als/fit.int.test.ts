import type { Csr } from '@recsys/core/csr';
import { ml100kDir, tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDataset } from '../../data/prepare.ts';
import { readPrepared } from '../../data/prepared.ts';
import { type AlsComparison, compareWithImplicit } from './compare.ts';
import type { AlsModel } from './fit.ts';
import { implicitPython } from './reference.ts';

// The Python venv comes from scripts/python-env.sh (make test runs it first); under CI its absence fails.
const python = implicitPython();
if (!python && process.env.CI === 'true') {
  throw new Error('the implicit venv is missing under CI=true; run scripts/python-env.sh before the integration tier');
}
const data = ml100kDir();

/** Mean NDCG@10 (binary gains) over users with validation positives, train items excluded, ties by index. */
function validationNdcg10(model: AlsModel, train: Csr, validation: Csr): number {
  const { userFactors, itemFactors, factors: k } = model;
  const items = train.cols;
  const scores = new Float64Array(items);
  let total = 0;
  let users = 0;
  for (let u = 0; u < train.rows; u++) {
    const relevant = new Set(validation.indices.subarray(validation.indptr[u], validation.indptr[u + 1]));
    if (relevant.size === 0 || train.indptr[u] === train.indptr[u + 1]) continue;
    for (let i = 0; i < items; i++) {
      let s = 0;
      for (let f = 0; f < k; f++) s += userFactors[u * k + f] * itemFactors[i * k + f];
      scores[i] = s;
    }
    for (const seen of train.indices.subarray(train.indptr[u], train.indptr[u + 1])) scores[seen] = -Infinity;
    const top = Array.from({ length: items }, (_, i) => i)
      .sort((a, b) => scores[b] - scores[a] || a - b)
      .slice(0, 10);
    let dcg = 0;
    top.forEach((item, rank) => {
      if (relevant.has(item)) dcg += 1 / Math.log2(rank + 2);
    });
    let ideal = 0;
    for (let rank = 0; rank < Math.min(10, relevant.size); rank++) ideal += 1 / Math.log2(rank + 2);
    total += dcg / ideal;
    users++;
  }
  return total / users;
}

describe.skipIf(!python || !data)('ALS against the Python implicit library on ml-100k', () => {
  const temp = tempDir('recsys-als-int-');
  let train: Csr;
  let validation: Csr;
  let comparison: AlsComparison;

  beforeAll(async () => {
    await prepareDataset({ source: data!, out: `${temp.dir}/prepared` });
    const prepared = readPrepared(`${temp.dir}/prepared`);
    validation = prepared.validation;
    // Confidence 2 on each positive: implicit reads the stored value as c_ui.
    train = { ...prepared.train, values: new Float32Array(prepared.train.indices.length).fill(2) };
    comparison = compareWithImplicit(train, {
      factors: 64,
      regularization: 0.05,
      iterations: 15,
      cgSteps: 3,
      seed: 42,
      threads: 2,
    });
  });
  afterAll(() => temp.cleanup());

  it('fits the protocol train split (37,214 positives)', () => {
    expect(train.indices.length).toBe(37_214);
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

  it('ranks validation items about as well as implicit (NDCG@10 within 0.005)', () => {
    const ours = validationNdcg10(comparison.ours, train, validation);
    const implicit = validationNdcg10(comparison.implicit, train, validation);
    console.log(`validation NDCG@10: ours ${ours.toFixed(4)}, implicit ${implicit.toFixed(4)}`);
    expect(ours).toBeGreaterThan(0.02);
    expect(Math.abs(ours - implicit)).toBeLessThan(0.005);
  });
});
