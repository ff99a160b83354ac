import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { DataError } from './errors.ts';
import { detectLayout, type LayoutFiles } from './layout.ts';
import { extractZip } from './zip.ts';

export const ARCHIVES = ['ml-100k', 'ml-1m', 'ml-latest-small'] as const;
export type ArchiveName = (typeof ARCHIVES)[number];
export const DEFAULT_BASE_URL = 'https://files.grouplens.org/datasets/movielens';
const VERIFIED = '.verified-md5';

export function isArchiveName(source: string): source is ArchiveName {
  return (ARCHIVES as readonly string[]).includes(source);
}

/** ~/.cache/recsys/movielens, following RECSYS_CACHE / XDG_CACHE_HOME like scripts/node-env.sh. */
export function defaultCacheDir(): string {
  const root =
    process.env.RECSYS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'recsys');
  return path.join(root, 'movielens');
}

export interface FetchOptions {
  /** Where archives are served; RECSYS_MOVIELENS_BASE_URL overrides the GroupLens default. */
  baseUrl?: string;
  cacheDir?: string;
  onProgress?: (received: number, total: number) => void;
  /** A download that receives nothing for this long fails (a network that drops packets never errors by itself). */
  stallMs?: number;
}

export const DEFAULT_STALL_MS = 30_000;

/**
 * The unpacked official archive: downloaded once, verified against the `.md5` GroupLens publishes beside it, and
 * unpacked into the cache. A later call reuses the verified unpacked copy without touching the network.
 */
export async function fetchArchive(name: ArchiveName, options: FetchOptions = {}): Promise<string> {
  const baseUrl = (options.baseUrl ?? process.env.RECSYS_MOVIELENS_BASE_URL ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const unpacked = path.join(cacheDir, name);
  if (existsSync(path.join(unpacked, VERIFIED))) return unpacked;

  const zipUrl = `${baseUrl}/${name}.zip`;
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const md5Text = (await download(`${zipUrl}.md5`, stallMs)).toString('latin1');
  const expected = /\b[0-9a-f]{32}\b/i.exec(md5Text)?.[0].toLowerCase();
  if (!expected)
    throw new DataError(`no MD5 checksum found in the published checksum file; expected 32 hex digits`, {
      file: `${zipUrl}.md5`,
    });
  const archive = await download(zipUrl, stallMs, options.onProgress);
  const actual = createHash('md5').update(archive).digest('hex');
  if (actual !== expected) {
    throw new DataError(
      `md5 mismatch: the download has ${actual}, ${name}.zip.md5 says ${expected}; the archive is corrupt or was replaced, try again`,
      {
        file: zipUrl,
      },
    );
  }
  mkdirSync(cacheDir, { recursive: true });
  const temp = path.join(cacheDir, `.${name}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(temp);
    extractZip(archive, temp, `${name}.zip`);
    writeFileSync(path.join(temp, VERIFIED), `${expected}  ${name}.zip\n`);
    rmSync(unpacked, { recursive: true, force: true });
    renameSync(temp, unpacked);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return unpacked;
}

/**
 * A source's files and layout: an archive name is downloaded and verified into the cache first (or found there),
 * a directory is read where it is. Throws a DataError naming what is missing.
 */
export async function sourceFiles(source: string, options: FetchOptions = {}): Promise<LayoutFiles> {
  return detectLayout(isArchiveName(source) ? await fetchArchive(source, options) : path.resolve(source));
}

async function download(
  url: string,
  stallMs: number,
  onProgress?: (received: number, total: number) => void,
): Promise<Buffer> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), stallMs);
  const receiving = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), stallMs);
  };
  const stalled = () =>
    new DataError(
      `download failed: nothing received for ${stallMs / 1000} s; check the network, or use a local MovieLens directory instead`,
      { file: url },
    );
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal });
    } catch (err) {
      if (controller.signal.aborted) throw stalled();
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new DataError(`download failed (${cause}); check the network, or use a local MovieLens directory instead`, {
        file: url,
      });
    }
    if (!response.ok || !response.body) {
      throw new DataError(`download failed: HTTP ${response.status}; expected 200 from the MovieLens archive server`, {
        file: url,
      });
    }
    const total = Number(response.headers.get('content-length') ?? 0);
    const chunks: Uint8Array[] = [];
    let received = 0;
    try {
      for await (const chunk of response.body) {
        receiving();
        chunks.push(chunk);
        received += chunk.byteLength;
        onProgress?.(received, total);
      }
    } catch (err) {
      if (controller.signal.aborted) throw stalled();
      throw err;
    }
    return Buffer.concat(chunks);
  } finally {
    clearTimeout(timer);
  }
}
