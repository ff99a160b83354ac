import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { DataError } from './errors.ts';
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
}

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
  const md5Text = (await download(`${zipUrl}.md5`)).toString('latin1');
  const expected = /\b[0-9a-f]{32}\b/i.exec(md5Text)?.[0].toLowerCase();
  if (!expected)
    throw new DataError(`no MD5 checksum found in the published checksum file; expected 32 hex digits`, {
      file: `${zipUrl}.md5`,
    });
  const archive = await download(zipUrl, options.onProgress);
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

async function download(url: string, onProgress?: (received: number, total: number) => void): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new DataError(
      `download failed (${cause}); check the network, or pass a local MovieLens directory as --source`,
      {
        file: url,
      },
    );
  }
  if (!response.ok || !response.body) {
    throw new DataError(`download failed: HTTP ${response.status}; expected 200 from the MovieLens archive server`, {
      file: url,
    });
  }
  const total = Number(response.headers.get('content-length') ?? 0);
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of response.body) {
    chunks.push(chunk);
    received += chunk.byteLength;
    onProgress?.(received, total);
  }
  return Buffer.concat(chunks);
}
