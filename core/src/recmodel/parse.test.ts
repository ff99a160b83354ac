import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../promotion/policy.ts';
import { parseRecModel, parseRecModelOrThrow, RecModelError } from './parse.ts';

const minimal = `
apiVersion: recsys.dev/v1alpha1
kind: RecModel
metadata:
  name: movies
spec:
  dataset:
    source: ml-100k
`;

describe('parseRecModel', () => {
  it('fills every default from a spec that names only its dataset', () => {
    const result = parseRecModel(minimal);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const { spec } = result.recModel;
    expect(spec.promotion).toEqual(DEFAULT_POLICY);
    expect(spec.selection.minCoverage).toBe(0.5);
    expect(spec.models.families).toHaveLength(5);
    expect(spec.models.budget).toBeUndefined();
    expect(spec.tracking.backend).toBe('embedded');
    expect(spec.schedule).toBeUndefined();
    expect(spec.report).toMatchObject({ enabled: true, since: '24h', format: 'markdown' });
  });

  it('takes an event stream the runtime runs or one named by a URL, never a password in the spec', () => {
    const withStream = (serving: Record<string, unknown>, dataset: Record<string, unknown> = {}) =>
      parseRecModel({
        apiVersion: 'recsys.dev/v1alpha1',
        kind: 'RecModel',
        metadata: { name: 'movies' },
        spec: { dataset: { source: 'ml-100k', ...dataset }, serving },
      });
    expect(withStream({ eventStream: 'postgres', foldInUsers: 20_000 }).ok).toBe(true);
    expect(withStream({ eventStream: 'postgres://recsys@events.db:5432/recsys' }).ok).toBe(true);
    const password = withStream({ eventStream: 'postgres://recsys:hunter2@events.db:5432/recsys' });
    expect(password.ok ? [] : password.problems.map((p) => p.path)).toEqual(['spec.serving.eventStream']);
    expect(withStream({ eventStream: 'redis://cache:6379' }).ok).toBe(false);
    const both = withStream({ eventStream: 'postgres' }, { eventLogs: '/logs' });
    expect(both.ok ? [] : both.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/eventLogs and serving.eventStream exclude each other/),
    ]);
  });

  it('lists every problem with its path', () => {
    const result = parseRecModel({
      apiVersion: 'recsys.dev/v1',
      kind: 'RecModel',
      metadata: { name: 'Movies!' },
      spec: {
        dataset: {},
        models: { families: [] },
        promotion: { minRelativeImprovement: 1.5, constraints: [{ metric: 'coverage@100' }] },
        schedule: 'every day',
        tracking: { backend: 'mlflow' },
        servng: {},
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.problems.map((p) => p.path).sort();
    expect(paths).toEqual(
      [
        'apiVersion',
        'metadata.name',
        'spec',
        'spec.dataset.source',
        'spec.models.families',
        'spec.promotion.constraints[0]',
        'spec.promotion.minRelativeImprovement',
        'spec.schedule',
        'spec.tracking.uri',
      ].sort(),
    );
    const byPath = Object.fromEntries(result.problems.map((p) => [p.path, p.message]));
    expect(byPath.spec).toContain('servng');
    expect(byPath['spec.schedule']).toContain('cron');
    expect(byPath['spec.models.families']).toContain('at least one model family');
    const badHour = parseRecModel(minimal.replace('spec:', "spec:\n  schedule: '0 25 * * *'"));
    expect(badHour.ok ? [] : badHour.problems).toEqual([
      { path: 'spec.schedule', message: expect.stringContaining('hour field "25" has 25 out of range') },
    ]);
  });

  it('rejects a family named twice, and an unknown family', () => {
    const spec = (families: { name: string }[]) => ({
      apiVersion: 'recsys.dev/v1alpha1',
      kind: 'RecModel',
      metadata: { name: 'm' },
      spec: { dataset: { source: 'ml-100k' }, models: { families } },
    });
    expect(parseRecModel(spec([{ name: 'als' }, { name: 'als' }]))).toEqual({
      ok: false,
      problems: [{ path: 'spec.models.families', message: 'each model family may appear once' }],
    });
    const unknown = parseRecModel(spec([{ name: 'als' }, { name: 'bpr' }]));
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.problems.map((p) => p.path)).toEqual(['spec.models.families[1].name']);
  });

  it('reports a YAML syntax error instead of a schema error', () => {
    const result = parseRecModel('spec: [unclosed');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0].path).toBe('(yaml)');
  });

  it('throws one error naming the source and every problem', () => {
    expect(() => parseRecModelOrThrow(minimal.replace('ml-100k', "''"), 'recmodel.yaml')).toThrow(RecModelError);
    expect(() => parseRecModelOrThrow(minimal.replace('ml-100k', "''"), 'recmodel.yaml')).toThrow(
      /invalid RecModel in recmodel\.yaml:\n {2}spec\.dataset\.source: /,
    );
  });
});
