import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.ts';
import { BUNDLE_CRASH_STEPS, CRASH_ENV } from './crash.ts';
import { listVersions, readBundle } from './reader.ts';
import { cleanStaleTmpDirs, TMP_PREFIX } from './store.ts';
import { sampleFiles, sampleManifestInput } from './testing/sample.ts';
import { writeBundle } from './writer.ts';

const child = fileURLToPath(new URL('./testing/write-bundle-child.ts', import.meta.url));
let store: string;
let cleanup: () => void;
beforeEach(() => ({ dir: store, cleanup } = tempDir('bundle-crash-')));
afterEach(() => cleanup());

const tmpDirsOf = (model: string) => readdirSync(path.join(store, model)).filter((n) => n.startsWith(TMP_PREFIX));

describe('a writer killed mid-write', () => {
  it.each(BUNDLE_CRASH_STEPS)('at %s leaves no partial bundle, and the next write succeeds', async (step) => {
    const run = spawnSync(process.execPath, [child, store, 'v-crashed'], {
      env: { ...process.env, [CRASH_ENV]: step },
      encoding: 'utf8',
    });
    expect(run.signal, run.stderr).toBe('SIGKILL');

    const completed = step === 'bundle:after-rename';
    expect(listVersions(store, 'crashy')).toEqual(completed ? ['v-crashed'] : []);
    if (completed) await expect(readBundle(path.join(store, 'crashy', 'v-crashed'))).resolves.toBeTruthy();
    else expect(tmpDirsOf('crashy')).toHaveLength(1);

    const next = await writeBundle({
      store,
      modelName: 'crashy',
      manifest: sampleManifestInput(),
      files: sampleFiles(),
    });
    expect(listVersions(store, 'crashy')).toEqual(completed ? ['v-crashed', next.version].sort() : [next.version]);
    expect(tmpDirsOf('crashy')).toEqual([]);
    await expect(readBundle(next.dir)).resolves.toBeTruthy();
  });

  it('runs to completion without the crash variable', () => {
    const run = spawnSync(process.execPath, [child, store, 'v-whole'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(listVersions(store, 'crashy')).toEqual(['v-whole']);
  });
});

describe('stale temp dir cleanup', () => {
  it('keeps temp dirs of live writers and recent foreign ones, removes dead and old ones', () => {
    const model = path.join(store, 'm');
    const host = hostname().replace(/[^A-Za-z0-9-]/g, '_');
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const names = {
      live: `${TMP_PREFIX}${process.pid}@${host}@v1`,
      dead: `${TMP_PREFIX}${dead}@${host}@v2`,
      foreignRecent: `${TMP_PREFIX}7@some-other-pod@v3`,
      foreignOld: `${TMP_PREFIX}7@some-other-pod@v4`,
    };
    for (const name of Object.values(names)) mkdirSync(path.join(model, name), { recursive: true });
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(path.join(model, names.foreignOld), twoDaysAgo, twoDaysAgo);

    expect(cleanStaleTmpDirs(model).sort()).toEqual([names.dead, names.foreignOld].sort());
    expect(existsSync(path.join(model, names.live))).toBe(true);
    expect(existsSync(path.join(model, names.foreignRecent))).toBe(true);
  });
});
