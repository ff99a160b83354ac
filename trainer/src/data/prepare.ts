import path from 'node:path';
import type { DatasetManifest } from './dataset.ts';
import { isArchiveName, sourceFiles } from './download.ts';
import { DataError } from './errors.ts';
import { readMovies } from './movies.ts';
import { writePrepared } from './prepared.ts';
import { applyProtocol, PROTOCOL_THRESHOLDS, type Thresholds } from './protocol.ts';
import { readRatings } from './ratings.ts';

export type PrepareStage = 'download' | 'read' | 'split' | 'write';

/** `done` of `total` units of the current stage (bytes while downloading, rating lines while reading, steps otherwise). */
export interface PrepareProgress {
  stage: PrepareStage;
  done: number;
  total: number;
}

export interface PrepareOptions {
  /** A MovieLens directory, or the name of an official archive to download: ml-100k, ml-1m, ml-latest-small. */
  source: string;
  out: string;
  /** Replaces the protocol's thresholds (PROTOCOL.md steps 1–2), e.g. from a RecModel's `spec.dataset`. */
  thresholds?: Partial<Thresholds>;
  /** Download cache; defaults to ~/.cache/recsys/movielens. */
  cacheDir?: string;
  onProgress?: (progress: PrepareProgress) => void;
}

/** Reads MovieLens (local or downloaded), applies PROTOCOL.md steps 1–3 and writes the prepared dataset atomically. */
export async function prepareDataset(options: PrepareOptions): Promise<DatasetManifest> {
  const report = options.onProgress ?? (() => {});
  const files = await sourceFiles(options.source, {
    cacheDir: options.cacheDir,
    onProgress: (done, total) => report({ stage: 'download', done, total }),
  });
  const catalogue = readMovies(files);
  const thresholds = { ...PROTOCOL_THRESHOLDS, ...options.thresholds };
  const positives = readRatings(files.ratings, files.layout, thresholds.positiveRating, (done, total) =>
    report({ stage: 'read', done: Math.min(done, total), total }),
  );
  for (let e = 0; e < positives.length; e++) {
    if (!catalogue.movies.has(positives.movie[e])) {
      throw new DataError(
        `movie ${positives.movie[e]} is not in ${path.basename(files.movies)}; expected every rated movie to be listed there`,
        {
          file: path.basename(files.ratings),
          line: positives.line[e],
        },
      );
    }
  }
  report({ stage: 'split', done: 0, total: 1 });
  const content = applyProtocol(positives, catalogue, thresholds);
  const { train, validation, test } = content.summary.interactions;
  if (train === 0 || validation === 0 || test === 0) {
    throw new DataError(
      `only ${train + validation + test} interactions left after filtering; expected enough for non-empty train, validation and test splits`,
      { file: files.dir },
    );
  }
  report({ stage: 'split', done: 1, total: 1 });
  report({ stage: 'write', done: 0, total: 1 });
  const manifest = writePrepared(options.out, content, {
    layout: files.layout,
    source: isArchiveName(options.source) ? options.source : files.dir,
  });
  report({ stage: 'write', done: 1, total: 1 });
  return manifest;
}
