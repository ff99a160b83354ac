import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../testing/fixtures.ts';
import { freePort } from '../testing/ports.ts';
import { asServerUser, postgresBinDir } from './local-postgres.ts';

/**
 * The events image's entrypoint (docker/events-entrypoint.sh) on Debian's PostgreSQL: a first start killed after
 * initdb but before the database was created must not leave a data directory the next start takes as initialised.
 */
describe('the events entrypoint after an interrupted first start', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'recsys-events-entry-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('initialises again on the next start, and the database is there', async () => {
    const bin = postgresBinDir();
    const user = asServerUser();
    const volume = path.join(dir, 'volume');
    const shim = path.join(dir, 'shim');
    mkdirSync(volume);
    mkdirSync(shim);
    chmodSync(dir, 0o711);
    if (user.uid !== undefined && user.gid !== undefined) chownSync(volume, user.uid, user.gid);
    // The pod killed at the step after initdb: the single-user run that creates the database.
    writeFileSync(
      path.join(shim, 'postgres'),
      `#!/bin/sh\n[ "$1" = --single ] && { echo killed >&2; exit 137; }\nexec ${bin}/postgres "$@"\n`,
      { mode: 0o755 },
    );
    const password = 'entrypoint-test-password';
    const env = (pathDirs: string[]) => ({
      PATH: [...pathDirs, '/usr/bin', '/bin'].join(':'),
      PGDATA: path.join(volume, 'data'),
      PGPASSWORD: password,
      POSTGRES_USER: 'recsys',
    });
    const entrypoint = path.join(repoRoot, 'docker/events-entrypoint.sh');
    const [command, ...prefix] = [...user.prefix, 'sh'];
    const killed = spawnSync(command, [...prefix, entrypoint], { env: env([shim, bin]), encoding: 'utf8' });
    expect(killed.status).not.toBe(0);

    const port = await freePort();
    const server = spawn(
      command,
      [...prefix, entrypoint, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      { env: env([bin]), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    server.stderr.on('data', (chunk) => {
      log += chunk;
    });
    const exited = new Promise((resolve) => server.once('exit', resolve));
    try {
      let database: string | undefined;
      let lastError = '';
      for (const deadline = Date.now() + 60_000; database === undefined && Date.now() < deadline; ) {
        if (server.exitCode !== null) break;
        const client = new pg.Client({ host: '127.0.0.1', port, user: 'recsys', database: 'recsys', password });
        client.on('error', () => {});
        try {
          await client.connect();
          database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
        } catch (err) {
          lastError = (err as Error).message;
          await new Promise((resolve) => setTimeout(resolve, 200));
        } finally {
          await client.end().catch(() => {});
        }
      }
      expect(database, `${lastError}\n${log.slice(-2000)}`).toBe('recsys');
    } finally {
      server.kill('SIGINT');
      await exited;
    }
  });
});
