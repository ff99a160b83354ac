import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const chart = path.join(repoRoot, 'charts/recsys');
const read = (...parts: string[]) => readFileSync(path.join(...parts), 'utf8');

// Helm reads nothing outside the chart directory, so the chart carries copies; these keep them equal to the sources.
describe('chart copies of generated and shared files', () => {
  it('crds/recmodel.yaml is the generated CRD (run: cp crds/recmodel.yaml charts/recsys/crds/)', () => {
    expect(read(chart, 'crds/recmodel.yaml')).toBe(read(repoRoot, 'crds/recmodel.yaml'));
  });

  it('the PrometheusRule wraps monitoring/recsys-alerts.rules.yml', () => {
    expect(read(chart, 'files/recsys-alerts.rules.yml')).toBe(read(repoRoot, 'monitoring/recsys-alerts.rules.yml'));
  });

  it('every dashboard in dashboards/ ships as a ConfigMap', () => {
    const sources = readdirSync(path.join(repoRoot, 'dashboards')).filter((f) => f.endsWith('.json'));
    expect(sources.length).toBeGreaterThan(0);
    expect(readdirSync(path.join(chart, 'files/dashboards')).sort()).toEqual(sources.sort());
    for (const file of sources) expect(read(chart, 'files/dashboards', file)).toBe(read(repoRoot, 'dashboards', file));
  });
});
