import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalPostgres } from '../events/local-postgres.ts';

export interface TestPostgres {
  server: LocalPostgres;
  /** The URL (no password) and the environment a client process needs (PGPASSWORD). */
  url: string;
  env: Record<string, string>;
  /** Stops the server by its PID and removes its data directory. */
  cleanup(): Promise<void>;
}

/**
 * A real PostgreSQL server for one test file, on 127.0.0.1 with its own data directory (initdb) under the system's
 * temp directory. Never skipped: without Debian's postgresql package it fails, naming the package.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'recsys-pg-'));
  const password = randomBytes(12).toString('hex');
  try {
    const server = await LocalPostgres.start({ dir, password });
    return {
      server,
      url: server.url,
      env: { PGPASSWORD: password },
      cleanup: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
