import type { BundleFileValue } from '../file-codec.ts';
import { tensor } from '../file-codec.ts';
import { type ManifestInput, metricSet } from '../manifest.ts';

/** A valid manifest input for tests of the bundle machinery. */
export function sampleManifestInput(): ManifestInput {
  return {
    model_type: 'als',
    params: { factors: 4, regularization: 0.05 },
    dataset: {
      fingerprint: 'sha256:abc',
      cutoffs: { train_end: '2026-01-01T00:00:00.000Z', validation_end: '2026-02-01T00:00:00.000Z' },
      fit_cutoff: '2026-01-01T00:00:00.000Z',
    },
    metrics: { validation: metricSet({ 'ndcg@10': 0.15, 'recall@20': 0.2 }, { 'ndcg@10': [0.12, 0.18] }) },
    test_scored_for: null,
    parent_version: null,
  };
}

/** One file of every kind a bundle holds. */
export function sampleFiles(): Record<string, BundleFileValue> {
  return {
    'item_factors.f32': tensor(Float32Array.from([0.5, -1.25, 3, 1e-7, -0, 42]), 3, 2),
    'seen_indptr.u32': Uint32Array.from([0, 2, 4294967295]),
    'popularity.f64': Float64Array.from([Math.PI, -1e300, 0]),
    'flags.u8': Uint8Array.from([0, 1, 255]),
    'index.usearch': Buffer.from('opaque bytes'),
    'id_map.json': { movie_ids: [1, 2, 3], title: 'Amélie' },
  };
}
