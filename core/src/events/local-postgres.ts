import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../testing/ports.ts';

/** The role and database the local server is made with; the URL names both. */
export const LOCAL_PG_USER = 'recsys';
export const LOCAL_PG_DATABASE = 'recsys';

export interface LocalPostgresOptions {
  /** Holds `data/` (made with initdb on first start) and `postgres.log`. */
  dir: string;
  /** The role's password (scram-sha-256); fixed when the data directory is made. */
  password: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** How long start-up may take before it is an error. */
  startTimeoutMs?: number;
}

/**
 * Where Debian's PostgreSQL server binaries are (`postgresql` package): the newest /usr/lib/postgresql/<major>/bin, or
 * RECSYS_PG_BIN. A clear error naming the package when there is none.
 */
export function postgresBinDir(): string {
  const given = process.env.RECSYS_PG_BIN;
  if (given) {
    if (!existsSync(path.join(given, 'postgres'))) throw new Error(`RECSYS_PG_BIN=${given} holds no postgres binary`);
    return given;
  }
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(
      `no PostgreSQL server in ${root}/<version>/bin; install Debian's postgresql package (scripts/system-deps.sh postgresql) or set RECSYS_PG_BIN`,
    );
  }
  return path.join(root, majors[0], 'bin');
}

/** PostgreSQL refuses to run as root: as root, run it as Debian's `postgres` user. */
export function asServerUser(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const ids = spawnSync('id', ['-u', 'postgres']);
  const gids = spawnSync('id', ['-g', 'postgres']);
  if (ids.status !== 0)
    throw new Error("running as root, PostgreSQL needs the 'postgres' user (Debian's postgresql package makes it)");
  return {
    prefix: ['setpriv', '--reuid=postgres', '--regid=postgres', '--clear-groups', '--'],
    uid: Number(ids.stdout.toString().trim()),
    gid: Number(gids.stdout.toString().trim()),
  };
}

/**
 * A real PostgreSQL server on 127.0.0.1 with its own data directory: the local runtime's event stream (`recsys up`
 * with `spec.serving.eventStream: postgres`) and the tests' engine. Started as a child process and stopped by its PID.
 */
export class LocalPostgres {
  readonly dir: string;
  readonly port: number;
  readonly #password: string;
  readonly #timeoutMs: number;
  #child: ChildProcess | undefined;
  #exited: Promise<number | null> = Promise.resolve(null);

  private constructor(options: LocalPostgresOptions, port: number) {
    this.dir = options.dir;
    this.port = port;
    this.#password = options.password;
    this.#timeoutMs = options.startTimeoutMs ?? 60_000;
  }

  /** Makes the data directory when it has none (initdb), starts the server and waits until it takes connections. */
  static async start(options: LocalPostgresOptions): Promise<LocalPostgres> {
    const server = new LocalPostgres(options, options.port || (await freePort()));
    server.#init();
    await server.resume();
    await server.#ensureDatabase();
    return server;
  }

  /** The URL clients use; the password goes separately (PGPASSWORD), never in a URL. */
  get url(): string {
    return `postgres://${LOCAL_PG_USER}@127.0.0.1:${this.port}/${LOCAL_PG_DATABASE}`;
  }

  get password(): string {
    return this.#password;
  }

  get pid(): number | undefined {
    return this.#alive() ? this.#child?.pid : undefined;
  }

  /** A process killed by a signal keeps exitCode null and sets signalCode instead: both say it is gone. */
  #alive(): boolean {
    const child = this.#child;
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** Starts the server on its data directory again (after `stop` or `kill`), on the same port. */
  async resume(): Promise<void> {
    if (this.pid) return;
    const bin = postgresBinDir();
    const user = asServerUser();
    const log = openSync(path.join(this.dir, 'postgres.log'), 'a');
    try {
      const args = [
        ...['-D', this.dataDir, '-p', String(this.port)],
        ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ];
      const [command, ...rest] = [...user.prefix, path.join(bin, 'postgres'), ...args];
      const child = spawn(command, rest, { stdio: ['ignore', log, log] });
      this.#child = child;
      this.#exited = new Promise((resolve) =>
        child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
      );
    } finally {
      closeSync(log);
    }
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      if (!this.#alive()) {
        throw new Error(
          `PostgreSQL exited during start-up (port ${this.port}); its log ${path.join(this.dir, 'postgres.log')} ends:\n${this.#logTail()}`,
        );
      }
      if (await this.#answers()) return;
      if (Date.now() > deadline) {
        await this.crash();
        throw new Error(
          `PostgreSQL did not take connections on 127.0.0.1:${this.port} within ${this.#timeoutMs} ms:\n${this.#logTail()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A fast shutdown (SIGINT: open transactions roll back, committed ones are on disk), SIGKILL after 15 s. */
  stop(): Promise<void> {
    return this.#shutDown('SIGINT', 15_000);
  }

  /**
   * The engine dying at once: an immediate shutdown (SIGQUIT: no checkpoint, every connection cut, crash recovery at
   * the next start), SIGKILL after 10 s.
   */
  crash(): Promise<void> {
    return this.#shutDown('SIGQUIT', 10_000);
  }

  /** Sends `signal`, SIGKILL if the server has not exited after `graceMs`; resolves once it has exited. */
  async #shutDown(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.#child;
    if (!child || !this.#alive()) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** For exit paths where nothing async runs any more: an immediate shutdown, not waited for. */
  crashNow(): void {
    if (this.#alive()) this.#child?.kill('SIGQUIT');
  }

  #init(): void {
    const user = asServerUser();
    mkdirSync(this.dir, { recursive: true });
    if (user.uid !== undefined) {
      // The server's user must reach its directory (never read others' files in it), through every parent.
      chmodSync(this.dir, 0o711);
      const [command, ...args] = [...user.prefix, 'test', '-x', this.dir];
      if (spawnSync(command, args).status !== 0) {
        throw new Error(
          `PostgreSQL runs as the postgres user (this process is root), who cannot reach ${this.dir}: make its parent directories traversable (chmod o+x) or keep the data elsewhere`,
        );
      }
    }
    if (existsSync(path.join(this.dataDir, 'PG_VERSION'))) return;
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const pwfile = path.join(this.dir, '.initdb-password');
    writeFileSync(pwfile, `${this.#password}\n`, { mode: 0o600 });
    if (user.uid !== undefined && user.gid !== undefined) {
      chownSync(this.dataDir, user.uid, user.gid);
      chownSync(pwfile, user.uid, user.gid);
    }
    const [command, ...args] = [
      ...user.prefix,
      path.join(postgresBinDir(), 'initdb'),
      ...['-D', this.dataDir, '-U', LOCAL_PG_USER, '--auth=scram-sha-256', `--pwfile=${pwfile}`],
      ...['-E', 'UTF8', '--locale=C', '--no-instructions'],
    ];
    const result = spawnSync(command, args, { encoding: 'utf8' });
    writeFileSync(pwfile, '');
    if (result.status !== 0) {
      throw new Error(
        `initdb ${this.dataDir} failed (exit ${result.status}): ${(result.stderr || result.error?.message || '').trim()}`,
      );
    }
  }

  async #answers(): Promise<boolean> {
    const client = new pg.Client({ ...this.#connection('postgres'), connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }

  async #ensureDatabase(): Promise<void> {
    const client = new pg.Client(this.#connection('postgres'));
    client.on('error', () => {});
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [LOCAL_PG_DATABASE]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${LOCAL_PG_DATABASE}`);
    } finally {
      await client.end();
    }
  }

  #connection(database: string): pg.ClientConfig {
    return { host: '127.0.0.1', port: this.port, user: LOCAL_PG_USER, password: this.#password, database };
  }

  #logTail(): string {
    try {
      return readFileSync(path.join(this.dir, 'postgres.log'), 'utf8').trimEnd().split('\n').slice(-15).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
