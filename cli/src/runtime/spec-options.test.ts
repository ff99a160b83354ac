import path from 'node:path';
import { repoRoot } from '@recsys/core/testing/fixtures';
import { describe, expect, it } from 'vitest';
import { localPaths, readRecModelFile, retrainOptionsFromSpec } from './spec-options.ts';

const example = readRecModelFile(path.join(repoRoot, 'examples/recmodel.yaml'));

describe('the retrain a RecModel describes', () => {
  it('takes source, families, budget, selection and policy from the spec, and the local server logs as events', () => {
    const options = retrainOptionsFromSpec(example, localPaths('/v'));
    expect(options).toMatchObject({
      source: 'ml-100k',
      eventLogDir: '/v/logs',
      workDir: '/v/work',
      store: '/v/store',
      modelName: 'movies',
      families: ['popularity', 'itemknn', 'als', 'ease_trend', 'ease_active_trend'],
      budget: undefined,
      selection: { metric: 'ndcg@10', minCoverage: 0.5, maxJaccard: 0.1 },
      trackingUri: undefined,
      thresholds: { positiveRating: 4, minUserPositives: 5, minItemPositives: 10, iterative: false },
    });
    expect(options.policy).toEqual(example.spec.promotion);
  });

  it('lets command-line flags override the spec', () => {
    const options = retrainOptionsFromSpec(example, localPaths('/v'), {
      source: '/data/ml-100k',
      models: { names: ['popularity'], budgets: {} },
      budget: 1,
      store: '/s',
      eventLogs: '/e',
      thresholds: { minItemPositives: 3 },
    });
    expect(options).toMatchObject({
      source: '/data/ml-100k',
      families: ['popularity'],
      budget: 1,
      store: '/s',
      eventLogDir: '/e',
      // One flag replaces one threshold; the others stay the spec's.
      thresholds: { positiveRating: 4, minUserPositives: 5, minItemPositives: 3, iterative: false },
    });
  });

  it('uses the mlflow tracking uri, and a family budget for that family only', () => {
    const spec = structuredClone(example);
    spec.spec.tracking = { backend: 'mlflow', uri: 'http://mlflow:5000' };
    spec.spec.models = { families: [{ name: 'als', budget: 12 }, { name: 'itemknn' }], budget: 4 };
    expect(retrainOptionsFromSpec(spec, localPaths('v'))).toMatchObject({
      trackingUri: 'http://mlflow:5000',
      families: ['als', 'itemknn'],
      budget: 4,
      familyBudgets: { als: 12 },
    });
  });

  it('names the file and what to do when it cannot be read or parsed', () => {
    expect(() => readRecModelFile('/nonexistent/recmodel.yaml')).toThrow(/cannot read the RecModel \/nonexistent/);
  });
});
