import { parseRecModelOrThrow } from '@recsys/core/recmodel/parse';
import { describe, expect, it } from 'vitest';
import { servingName } from './names.ts';
import { type Manifest, servingDeployment } from './objects.ts';
import { observeWorld } from './observe.ts';

const config = {
  trainerImage: 'trainer:1',
  artifactClaim: 'artifacts',
  artifactMount: '/artifacts',
  store: '/tmp/recsys-observe-test-store',
  eventStream: { url: 'postgres://recsys@rs-events:5432/recsys', passwordSecret: 'rs-events' },
};
const model = (serving: Record<string, unknown>) =>
  parseRecModelOrThrow({
    apiVersion: 'recsys.dev/v1alpha1',
    kind: 'RecModel',
    metadata: { name: 'movies', namespace: 'ns', uid: 'u', generation: 1 },
    spec: { dataset: { source: '/artifacts/data/ml-100k' }, serving },
  });
const owning = (deployment: Manifest) => ({
  job: () => undefined,
  jobs: () => [],
  deployment: (name: string) => (name === servingName('movies') ? deployment : undefined),
  cronJob: () => undefined,
});

describe('observing serving', () => {
  it('calls serving outdated when it runs without the event stream or fold-in cap the spec now asks for', () => {
    const before = model({});
    const live = servingDeployment(before, config, 'v1', before.spec.serving);
    const observe = (recModel: ReturnType<typeof model>) =>
      observeWorld(recModel, owning(live), config, 'v1', new Date()).serving;
    expect(observe(before)).toMatchObject({ running: true, version: 'v1', outdated: false });
    expect(observe(model({ eventStream: 'postgres' })).outdated).toBe(true);
    expect(observe(model({ foldInUsers: 500 })).outdated).toBe(true);
  });
});
