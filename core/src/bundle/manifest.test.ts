import { describe, expect, it } from 'vitest';
import { BundleError } from './errors.ts';
import { BUNDLE_FORMAT_VERSION, metricSet, metricValues, parseManifest } from './manifest.ts';
import { sampleManifestInput } from './testing/sample.ts';

function validManifest(): Record<string, unknown> {
  return {
    ...sampleManifestInput(),
    format_version: BUNDLE_FORMAT_VERSION,
    model_name: 'als',
    version: 'v1',
    files: { 'a.f32': { sha256: 'a'.repeat(64), bytes: 8, dtype: 'f32', shape: [2] } },
    created_at: '2026-11-29T21:30:05.000Z',
  };
}

function errorOf(value: unknown): BundleError {
  try {
    parseManifest(value, 'test.json');
  } catch (err) {
    return err as BundleError;
  }
  throw new Error('expected the manifest to be refused');
}

describe('manifest schema', () => {
  it('accepts a complete manifest and defaults extra to an empty record', () => {
    const m = parseManifest(validManifest(), 'test.json');
    expect(m.extra).toEqual({});
    expect(m.metrics.validation['ndcg@10']).toBe(0.15);
    expect(m.metrics.validation.ci?.['ndcg@10']).toEqual([0.12, 0.18]);
  });

  it('names the path and the expected type of a wrong metric value', () => {
    const m = validManifest();
    m.metrics = { validation: { 'ndcg@10': 'high' } };
    const err = errorOf(m);
    expect(err).toBeInstanceOf(BundleError);
    expect(err.message).toContain('test.json');
    expect(err.message).toContain('metrics.validation["ndcg@10"]');
    expect(err.message).toMatch(/expected number/);
  });

  it('explains a non-ISO fit cutoff, a bad sha256, an unknown key and an unsupported format version', () => {
    const m = validManifest();
    (m.dataset as Record<string, unknown>).fit_cutoff = '29/11/2026';
    m.files = { 'a.f32': { sha256: 'xyz', bytes: 8 } };
    m.colour = 'blue';
    m.format_version = 99;
    const message = errorOf(m).message;
    expect(message).toContain('dataset.fit_cutoff');
    expect(message).toContain('ISO-8601');
    expect(message).toContain('64 lowercase hex digits');
    expect(message).toContain('colour');
    expect(message).toContain(`expected format_version ${BUNDLE_FORMAT_VERSION}`);
  });

  it('refuses an inverted confidence interval', () => {
    const m = validManifest();
    m.metrics = { validation: metricSet({ 'ndcg@10': 0.1 }, { 'ndcg@10': [0.2, 0.1] }) };
    expect(errorOf(m).message).toContain('lo <= hi');
  });

  it('keeps ci apart from metric values', () => {
    const set = metricSet({ mrr: 0.2 }, { mrr: [0.1, 0.3] });
    expect(metricValues(set)).toEqual({ mrr: 0.2 });
    expect(() => metricSet({ ci: 1 })).toThrow(/reserved/);
  });
});
