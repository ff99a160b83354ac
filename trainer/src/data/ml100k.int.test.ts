import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ml100kDir, repoRoot, tempDir } from '@recsys/core/testing/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPrepared } from './prepared.ts';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, [path.join(repoRoot, 'cli/src/main.ts'), ...args], { cwd: repoRoot });

let work: { dir: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir('recsys-data-int-');
});
afterEach(() => work.cleanup());

describe('recsys data prepare (a real process)', () => {
  const dir = ml100kDir();
  it.skipIf(!dir)(
    'reproduces PROTOCOL.md on MovieLens 100K: 37214 / 7975 / 7975, 76 warm and 132 cold test users',
    async () => {
      const out = path.join(work.dir, 'ml-100k');
      const { stdout } = await cli('data', 'prepare', '--source', dir!, '--out', out, '--json');
      const summary = JSON.parse(stdout);
      expect(Object.keys(summary)).toEqual([
        'layout',
        'interactions',
        'users',
        'items',
        'test_users',
        'cutoffs',
        'fingerprint',
      ]);
      expect(summary.layout).toBe('ml-100k');
      expect(summary.interactions).toEqual({ train: 37214, validation: 7975, test: 7975 });
      expect(summary.test_users).toEqual({ warm: 76, cold: 132 });
      expect(summary.cutoffs.validation).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(summary.cutoffs.test)).toBeGreaterThan(Date.parse(summary.cutoffs.validation));
      expect(summary.fingerprint).toMatch(/^[0-9a-f]{64}$/);

      const data = readPrepared(out);
      expect(data.manifest.fingerprint).toBe(summary.fingerprint);
      // Return of the Jedi: u.item's date column says 1997 (a re-release); the title says 1983.
      const jedi = data.items.find((m) => m.movie_id === 181);
      expect(jedi).toMatchObject({ title: 'Return of the Jedi (1983)', year: 1983 });
      expect(data.items.find((m) => m.movie_id === 1)).toEqual({
        movie_id: 1,
        title: 'Toy Story (1995)',
        year: 1995,
        genres: ['Animation', "Children's", 'Comedy'],
      });
    },
  );

  it('exits non-zero with one line naming the file and line, and writes nothing', async () => {
    const src = path.join(work.dir, 'src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'u.data'), '1\t2\t4\t881250949\n1\t2\n');
    writeFileSync(path.join(src, 'u.item'), '');
    const out = path.join(work.dir, 'out');
    const failure = await cli('data', 'prepare', '--source', src, '--out', out).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim().split('\n').at(-1)).toBe(
      'recsys: u.data line 2: expected 4 fields "user id<TAB>item id<TAB>rating<TAB>timestamp", got "1\\t2"',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('synthesises a dataset that prepares as ML-1M', async () => {
    const synth = path.join(work.dir, 'synth');
    const { stdout } = await cli(
      'data',
      'synth',
      '--users',
      '300',
      '--items',
      '500',
      '--interactions',
      '20000',
      '--seed',
      '3',
      '--out',
      synth,
      '--json',
    );
    expect(JSON.parse(stdout)).toMatchObject({ users: 300, items: 500, interactions: 20000, seed: 3 });
    const prepared = JSON.parse(
      (await cli('data', 'prepare', '--source', synth, '--out', path.join(work.dir, 'p'), '--json')).stdout,
    );
    expect(prepared.layout).toBe('ml-1m');
    expect(prepared.interactions.train).toBeGreaterThan(5000);
  });
});
