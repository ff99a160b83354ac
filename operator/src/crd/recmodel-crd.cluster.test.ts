import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decidePromotion } from '@recsys/core/promotion/gate';
import { DEFAULT_POLICY } from '@recsys/core/promotion/policy';
import { parseRecModelOrThrow } from '@recsys/core/recmodel/parse';
import { type ObservedWorld, reconcile } from '@recsys/core/recmodel/reconcile';
import type { RecModel } from '@recsys/core/recmodel/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../testing/apiserver.ts';
import { kubeBinaries } from '../testing/kube-binaries.ts';
import { installRecModelCrd } from '../testing/recmodel-crd.ts';

const root = path.join(import.meta.dirname, '..', '..', '..');
const binaries = kubeBinaries();
const namespace = 'recmodels';
const resource = `/apis/recsys.dev/v1alpha1/namespaces/${namespace}/recmodels`;

function recModelJson(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'recsys.dev/v1alpha1', kind: 'RecModel', metadata: { name, namespace }, spec });
}

describe.skipIf(!binaries)('the RecModel CRD on a real kube-apiserver', () => {
  let server: TestApiServer;

  const get = async (name: string): Promise<RecModel & { metadata: { generation: number } }> => {
    const response = await server.request('GET', `${resource}/${name}`);
    expect(response.status, response.body).toBe(200);
    return JSON.parse(response.body);
  };
  /** What a runtime does with reconcile's updateStatus: replace the status subresource. */
  const putStatus = async (stored: object, status: unknown) => {
    const response = await server.request('PUT', `${resource}/${(stored as RecModel).metadata.name}/status`, {
      body: { ...stored, status },
    });
    expect(response.status, response.body).toBe(200);
  };

  beforeAll(async () => {
    server = await startTestApiServer({ binaries });
    await installRecModelCrd(server, namespace);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('accepts examples/recmodel.yaml unchanged, and the stored object parses with the zod schema', async () => {
    const applied = await server.kubectl([
      'apply',
      '-n',
      namespace,
      '-f',
      path.join(root, 'examples', 'recmodel.yaml'),
    ]);
    expect(applied.code, applied.stderr).toBe(0);
    const stored = await get('movies');
    const local = parseRecModelOrThrow(readFileSync(path.join(root, 'examples', 'recmodel.yaml'), 'utf8'));
    expect(parseRecModelOrThrow(stored).spec).toEqual(local.spec);
  });

  it('fills the same defaults as zod for a spec that names only its dataset', async () => {
    const applied = await server.kubectl(['apply', '-f', '-'], {
      input: recModelJson('minimal', { dataset: { source: 'ml-100k' } }),
    });
    expect(applied.code, applied.stderr).toBe(0);
    const stored = await get('minimal');
    const local = parseRecModelOrThrow(recModelJson('minimal', { dataset: { source: 'ml-100k' } }));
    expect(stored.spec).toEqual(local.spec);
  });

  it.each([
    [
      'minRelativeImprovement outside [-1, 1]',
      { promotion: { minRelativeImprovement: 1.5 } },
      'must be within [-1, 1]',
    ],
    ['no model family', { models: { families: [] } }, 'expected at least one model family'],
    ['a schedule that is not cron', { schedule: 'every day' }, 'schedule must be a cron schedule'],
    ['mlflow without a uri', { tracking: { backend: 'mlflow' } }, 'uri is required when backend is mlflow'],
    [
      'a constraint with neither bound',
      { promotion: { constraints: [{ metric: 'mrr' }] } },
      'a constraint needs min or max',
    ],
    ['a family named twice', { models: { families: [{ name: 'als' }, { name: 'als' }] } }, 'Duplicate value'],
  ])('rejects %s with the API server’s error', async (_what, extra, expected) => {
    const applied = await server.kubectl(['apply', '-f', '-'], {
      input: recModelJson('invalid', { dataset: { source: 'ml-100k' }, ...extra }),
    });
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toContain(expected);
  });

  it('rejects a name that cannot prefix run and CronJob names', async () => {
    const applied = await server.kubectl(['apply', '-f', '-'], {
      input: recModelJson('m'.repeat(60), { dataset: { source: 'ml-100k' } }),
    });
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toContain('metadata.name must be a DNS-1123 label of at most 52 characters');
  });

  it('stores the status reconcile writes, and kubectl get shows the printer columns', async () => {
    const stored = await get('movies');
    const world: ObservedWorld = {
      now: '2026-11-29T10:00:00.000Z',
      productionVersion: null,
      run: null,
      serving: { running: false, ready: false, version: null, replicas: 0 },
      frontend: { running: true },
      scheduledSlot: '2026-11-29T03:00:00.000Z',
      reportSlot: '2026-11-29T06:00:00.000Z',
      schedules: { retrain: 'current', report: 'current' },
      adoptableRun: null,
    };
    const model = parseRecModelOrThrow(stored);
    const started = reconcile(model, world);
    const train = started.actions.find((a) => a.type === 'train');
    const firstStatus = started.actions.find((a) => a.type === 'updateStatus');
    if (!train || !firstStatus)
      throw new Error(`expected train and updateStatus, got ${JSON.stringify(started.actions)}`);
    await putStatus(stored, firstStatus.status);

    const training = parseRecModelOrThrow(await get('movies'));
    expect(training.status?.training?.runName).toBe(train.runName);
    const score = {
      version: 'v1',
      fit_cutoff: '2026-01-01T00:00:00Z',
      metrics: {
        'ndcg@10': 0.31,
        'precision@10': 0.2,
        'recall@20': 0.3,
        'hit_rate@10': 0.7,
        mrr: 0.4,
        'coverage@100': 0.6,
      },
      per_user_primary: [0.3, 0.32],
    };
    const decision = decidePromotion(DEFAULT_POLICY, score, null, {
      from: '2026-01-01T00:00:00Z',
      to: '2026-02-01T00:00:00Z',
      interactions: 10,
      users: 2,
    });
    const promoted = reconcile(training, {
      ...world,
      run: {
        name: train.runName,
        phase: 'Succeeded',
        candidate: { version: 'v1', metrics: score.metrics },
        gate: { phase: 'Decided', decision },
      },
    });
    const promotedStatus = promoted.actions.find((a) => a.type === 'updateStatus');
    if (!promotedStatus) throw new Error('expected updateStatus after the promotion');
    await putStatus(await get('movies'), promotedStatus.status);

    const table = await server.kubectl(['get', 'recmodels', '-n', namespace, 'movies']);
    expect(table.code, table.stderr).toBe(0);
    const [header, row] = table.stdout.trimEnd().split('\n');
    // Columns by the header's positions: kubectl leaves an empty cell blank.
    const starts = [...header.matchAll(/\S+/g)].map((m) => m.index);
    const cells = Object.fromEntries(
      starts.map((start, i) => [header.slice(start).split(/\s+/)[0], row.slice(start, starts[i + 1]).trim()]),
    );
    expect(Object.keys(cells)).toEqual(['NAME', 'PRODUCTION', 'STAGING', 'NDCG@10', 'READY', 'AGE']);
    expect(cells).toMatchObject({ NAME: 'movies', PRODUCTION: 'v1', STAGING: '', 'NDCG@10': '0.31', READY: 'False' });
  });
});
