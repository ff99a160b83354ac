// `make figures`: a plain `recsys train` on MovieLens 100K in a scratch store, then the README's results table
// (between its results markers) and docs/figures/frontier.svg from that one run. Needs ml-100k (RECSYS_ML100K or
// ../shared/data/ml-100k); test is scored once per configuration, as in any run.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ml100kDir } from '@recsys/core/testing/fixtures';
import { prepareDataset } from '@recsys/trainer/data/prepare';
import { frontierSvg } from '@recsys/trainer/train/frontier';
import { resultsTable } from '@recsys/trainer/train/results-table';
import { DEFAULT_SELECTION } from '@recsys/trainer/train/selection';
import { train } from '@recsys/trainer/train/train';

const root = path.join(import.meta.dirname, '..');
const START = '<!-- results:ml-100k (make figures) -->';
const END = '<!-- /results:ml-100k -->';

const source = ml100kDir();
if (!source) {
  process.stderr.write('figures: MovieLens 100K not found (set RECSYS_ML100K or put it at ../shared/data/ml-100k)\n');
  process.exit(1);
}
const scratch = mkdtempSync(path.join(tmpdir(), 'recsys-figures-'));
try {
  const prepared = path.join(scratch, 'prepared');
  await prepareDataset({ source, out: prepared });
  const started = performance.now();
  const result = await train({ data: prepared, store: path.join(scratch, 'store') });
  const seconds = (performance.now() - started) / 1000;

  const svg = frontierSvg(
    'MovieLens 100K: accuracy vs alike lists, every family',
    result.models,
    DEFAULT_SELECTION,
    result.best,
  );
  writeFileSync(path.join(root, 'docs/figures/frontier.svg'), svg);

  const readmePath = path.join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no "${START}" … "${END}" section to fill`);
  const table = resultsTable(result.models, result.best);
  writeFileSync(readmePath, `${readme.slice(0, from + START.length)}\n${table}\n${readme.slice(to)}`);
  process.stdout.write(`${table}\n\nwrote docs/figures/frontier.svg and README.md (train ${seconds.toFixed(1)} s)\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
