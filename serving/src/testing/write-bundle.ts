import type { BundleFileValue } from '@recsys/core/bundle/file-codec';
import { writeBundle } from '@recsys/core/bundle/writer';
import { recommenderFiles } from '@recsys/core/recommender/load';
import type { Recommender } from '@recsys/core/recommender/recommender';
import { type ServingTables, servingFiles } from '../model/bundle-files.ts';

/** Writes a real bundle with core's writer: the recommender's files plus serving's tables. Returns its version. */
export async function writeServingBundle(options: {
  store: string;
  modelName: string;
  recommender: Recommender;
  tables: ServingTables;
  version?: string;
  /** Further bundle files, e.g. core's `annFiles` (the usearch indexes). */
  extraFiles?: Record<string, BundleFileValue>;
}): Promise<{ version: string; dir: string }> {
  const { version, dir } = await writeBundle({
    store: options.store,
    modelName: options.modelName,
    version: options.version,
    manifest: {
      model_type: options.recommender.scorer.kind,
      params: {},
      dataset: {
        fingerprint: 'sha256:test',
        cutoffs: { validation: '2026-01-01T00:00:00.000Z', test: '2026-02-01T00:00:00.000Z' },
        fit_cutoff: '2026-02-01T00:00:00.000Z',
      },
      metrics: { validation: { 'ndcg@10': 0.1 } },
      test_scored_for: null,
      parent_version: null,
    },
    files: {
      ...recommenderFiles(options.recommender),
      ...servingFiles(options.tables),
      ...options.extraFiles,
    },
  });
  return { version, dir };
}
