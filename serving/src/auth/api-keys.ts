import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ApiError } from '../api/errors.ts';

/** Shorter keys are guessable; a generated key (recsys up) is 43 characters. */
export const MIN_KEY_LENGTH = 16;

export interface ApiKeySources {
  /** One key a line; blank lines and `#` comments ignored. Re-read when it changes, so keys rotate without a restart. */
  file?: string;
  /** Comma-separated keys (`RECSYS_API_KEYS`). */
  env?: string;
}

interface FileStamp {
  mtimeMs: number;
  size: number;
  ino: number;
}

/**
 * The keys that may write (`POST /interactions`). Held as sha256 digests and compared in constant time, every key
 * every time, so neither the answer's timing nor an early exit says how close a guess was.
 */
export class ApiKeys {
  readonly #file: string | undefined;
  readonly #fromEnv: Buffer[];
  #fromFile: Buffer[] = [];
  #stamp: FileStamp | null = null;

  constructor(sources: ApiKeySources) {
    this.#file = sources.file;
    this.#fromEnv = parseKeys(sources.env ?? '', 'RECSYS_API_KEYS', ',').map(digest);
    if (this.#file) {
      // At start a missing or unreadable file is a start-up error naming it; later it means "no keys from the file".
      this.#stamp = stampOf(this.#file);
      if (!this.#stamp) throw new Error(`--api-keys-file ${this.#file} does not exist; create it with one key a line`);
      this.#fromFile = readKeyFile(this.#file).map(digest);
    }
  }

  /** True when at least one key is configured (else writes are disabled). */
  get configured(): boolean {
    this.#refresh();
    return this.#fromEnv.length + this.#fromFile.length > 0;
  }

  /**
   * The caller's key identity (a digest prefix, for per-key rate limits) when `authorization` carries a valid
   * bearer key; otherwise a 401 ApiError saying what is missing.
   */
  authorize(authorization: string | undefined): string {
    if (!this.configured) {
      throw unauthorized(
        'writes_disabled',
        'writes disabled: no API key configured; start serving with --api-keys-file FILE or RECSYS_API_KEYS to accept interactions',
      );
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) {
      throw unauthorized(
        'missing_api_key',
        'POST /interactions needs an API key: send the header "Authorization: Bearer <key>"',
      );
    }
    const presented = digest(match[1]);
    let found = false;
    for (const key of [...this.#fromEnv, ...this.#fromFile]) if (timingSafeEqual(key, presented)) found = true;
    if (!found)
      throw unauthorized('invalid_api_key', 'the API key is not valid (revoked or mistyped); ask for a current key');
    return keyIdOf(presented);
  }

  #refresh(): void {
    if (!this.#file) return;
    const stamp = stampOf(this.#file);
    if (sameStamp(stamp, this.#stamp)) return;
    this.#stamp = stamp;
    try {
      this.#fromFile = stamp ? readKeyFile(this.#file).map(digest) : [];
    } catch (err) {
      // A half-written or malformed file must not lock everyone out or let anyone in: keep the last good keys.
      process.stderr.write(`serving: kept the previous API keys; ${(err as Error).message}\n`);
    }
  }
}

function unauthorized(code: string, message: string): ApiError {
  return new ApiError(401, code, message, undefined, { 'WWW-Authenticate': 'Bearer realm="recsys"' });
}

/** A key's identity where it is named (rate limits, stored event ids): a prefix of its digest, never the key. */
export function keyId(key: string): string {
  return keyIdOf(digest(key));
}

function keyIdOf(digested: Buffer): string {
  return digested.toString('hex').slice(0, 12);
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

function stampOf(file: string): FileStamp | null {
  try {
    const { mtimeMs, size, ino } = statSync(file);
    return { mtimeMs, size, ino };
  } catch {
    return null;
  }
}

function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;
}

function readKeyFile(file: string): string[] {
  return parseKeys(readFileSync(file, 'utf8'), file, '\n');
}

/** Keys from text, each checked; the error names where the bad one is (never the key itself). */
export function parseKeys(text: string, source: string, separator: string): string[] {
  const keys: string[] = [];
  text.split(separator).forEach((raw, i) => {
    const key = raw.trim();
    if (key === '' || key.startsWith('#')) return;
    const where = separator === '\n' ? `line ${i + 1} of ${source}` : `entry ${i + 1} of ${source}`;
    if (key.length < MIN_KEY_LENGTH || /\s/.test(key)) {
      throw new Error(`the API key on ${where} must be at least ${MIN_KEY_LENGTH} characters without spaces`);
    }
    keys.push(key);
  });
  return keys;
}
