import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchArchive } from './download.ts';
import { denseFixture, writeMovieLens } from './fixtures.ts';
import { prepareDataset } from './prepare.ts';
import { createZip, extractZip } from './zip.ts';

/** Zips a fixture the way GroupLens does: one top-level folder named after the archive. */
function archiveOf(dir: string, name: string): Buffer {
  const files: Record<string, Uint8Array> = {};
  for (const file of readdirSync(dir)) files[`${name}/${file}`] = readFileSync(path.join(dir, file));
  return createZip(files);
}

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

let server: Server;
let baseUrl: string;
const served = new Map<string, Buffer>();
const requests: string[] = [];
let fixture: { dir: string; cleanup: () => void };
let work: { dir: string; cleanup: () => void };

beforeAll(async () => {
  fixture = tempDir('recsys-archive-');
  const { movies, ratings } = denseFixture(25, 15);
  writeMovieLens(path.join(fixture.dir, 'ml-100k'), 'ml-100k', movies, ratings);
  const good = archiveOf(path.join(fixture.dir, 'ml-100k'), 'ml-100k');
  served.set('/good/ml-100k.zip', good);
  served.set('/good/ml-100k.zip.md5', Buffer.from(`MD5 (ml-100k.zip) = ${md5(good)}\n`));
  served.set('/bad/ml-100k.zip', good);
  served.set('/bad/ml-100k.zip.md5', Buffer.from(`${md5(Buffer.from('something else'))}  ml-100k.zip\n`));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = served.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, { 'content-length': body?.length ?? 0 }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fixture.cleanup();
});
beforeEach(() => {
  work = tempDir('recsys-download-');
  requests.length = 0;
});
afterEach(() => {
  delete process.env.RECSYS_MOVIELENS_BASE_URL;
  work.cleanup();
});

describe('downloading an official archive (served from 127.0.0.1)', () => {
  it('verifies the archive against the published .md5, prepares it, and reuses the cache offline', async () => {
    process.env.RECSYS_MOVIELENS_BASE_URL = `${baseUrl}/good`;
    const cacheDir = path.join(work.dir, 'cache');
    const progress: number[] = [];
    const manifest = await prepareDataset({
      source: 'ml-100k',
      out: path.join(work.dir, 'prepared'),
      cacheDir,
      onProgress: (p) => p.stage === 'download' && progress.push(p.done),
    });
    expect(manifest.layout).toBe('ml-100k');
    expect(manifest.source).toBe('ml-100k');
    expect(manifest.users).toBe(25);
    expect(requests).toEqual(['/good/ml-100k.zip.md5', '/good/ml-100k.zip']);
    expect(progress.at(-1)).toBe(served.get('/good/ml-100k.zip')!.length);

    // Same content as preparing the unpacked directory directly.
    const local = await prepareDataset({
      source: path.join(fixture.dir, 'ml-100k'),
      out: path.join(work.dir, 'local'),
    });
    expect(manifest.fingerprint).toBe(local.fingerprint);

    process.env.RECSYS_MOVIELENS_BASE_URL = 'http://127.0.0.1:9/unreachable';
    const again = await prepareDataset({ source: 'ml-100k', out: path.join(work.dir, 'again'), cacheDir });
    expect(again.fingerprint).toBe(manifest.fingerprint);
    expect(requests).toHaveLength(2);
  });

  it('refuses an archive whose md5 does not match, leaving nothing behind', async () => {
    process.env.RECSYS_MOVIELENS_BASE_URL = `${baseUrl}/bad`;
    const cacheDir = path.join(work.dir, 'cache');
    const out = path.join(work.dir, 'prepared');
    await expect(prepareDataset({ source: 'ml-100k', out, cacheDir })).rejects.toThrow(
      new RegExp(
        `^${baseUrl}/bad/ml-100k\\.zip: md5 mismatch: the download has [0-9a-f]{32}, ml-100k\\.zip\\.md5 says [0-9a-f]{32}`,
      ),
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });

  it('gives up on a server that accepts and then sends nothing, naming the URL and the silence', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/silent`;
    try {
      await expect(
        fetchArchive('ml-100k', { baseUrl: silentUrl, cacheDir: path.join(work.dir, 'cache'), stallMs: 300 }),
      ).rejects.toThrow(`${silentUrl}/ml-100k.zip.md5: download failed: nothing received for 0.3 s`);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('says which URL failed when the server has no such archive', async () => {
    process.env.RECSYS_MOVIELENS_BASE_URL = `${baseUrl}/good`;
    await expect(
      prepareDataset({ source: 'ml-1m', out: path.join(work.dir, 'prepared'), cacheDir: path.join(work.dir, 'cache') }),
    ).rejects.toThrow(/good\/ml-1m\.zip\.md5: download failed: HTTP 404/);
    expect(readdirSync(work.dir)).toEqual([]);
  });
});

describe('zip', () => {
  it('extracts what createZip packed, and refuses entries that escape the target', () => {
    const dest = path.join(work.dir, 'x');
    mkdirSync(dest);
    const names = extractZip(createZip({ 'a/one.txt': 'hello', 'a/b/two.bin': new Uint8Array([0, 1, 2, 255]) }), dest);
    expect(names).toEqual(['a/one.txt', 'a/b/two.bin']);
    expect(readFileSync(path.join(dest, 'a/one.txt'), 'utf8')).toBe('hello');
    expect(Array.from(readFileSync(path.join(dest, 'a/b/two.bin')))).toEqual([0, 1, 2, 255]);
    expect(() => extractZip(createZip({ '../evil.txt': 'x' }), dest, 'evil.zip')).toThrow(
      /evil\.zip: .*escapes the target/,
    );
  });

  it('refuses a corrupt archive', () => {
    const zip = createZip({ 'a.txt': 'some text that deflates' });
    expect(() => extractZip(zip.subarray(0, zip.length - 30), work.dir, 'cut.zip')).toThrow(
      /cut\.zip: not a readable zip archive/,
    );
  });
});
