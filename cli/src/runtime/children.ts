import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface ChildOptions {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** stdout and stderr are appended here (stdout is also collected when `collectStdout`). */
  logFile: string;
  collectStdout?: boolean;
  /** Each stderr line, e.g. to show training progress. */
  onStderrLine?: (line: string) => void;
  onExit: (exit: ChildExit) => void;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last stderr lines, for a failure message. */
  stderrTail: string[];
  /** True when this runtime stopped it (not a crash). */
  stopped: boolean;
}

const GRACE_MS = 5000;
const TAIL_LINES = 5;

/**
 * The runtime's child processes by role ("serving", "frontend", "train:<run>", …): at most one per role. Each
 * is its own process, so a training crash or Ctrl-C in a run never takes the server down.
 */
export class ChildProcesses {
  #children = new Map<string, { child: ChildProcess; stopping: boolean; exited: Promise<void> }>();

  running(role: string): boolean {
    return this.#children.has(role);
  }

  roles(): string[] {
    return [...this.#children.keys()];
  }

  pids(): number[] {
    return [...this.#children.values()].flatMap(({ child }) => (child.pid === undefined ? [] : [child.pid]));
  }

  start(role: string, options: ChildOptions): void {
    if (this.#children.has(role)) throw new Error(`a ${role} process is already running`);
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    const log = createWriteStream(options.logFile, { flags: 'a' });
    // A log file that cannot be written (its directory removed) loses the log, never the process.
    log.on('error', () => undefined);
    const child = spawn(options.command, options.args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const tail: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      if (options.collectStdout) stdout += chunk.toString('utf8');
      else log.write(chunk);
    });
    const lines = createInterface({ input: child.stderr });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onStderrLine?.(line);
    });
    const entry = {
      child,
      stopping: false,
      exited: new Promise<void>((resolve) => {
        let done = false;
        const finish = (code: number | null, signal: NodeJS.Signals | null) => {
          if (done) return;
          done = true;
          this.#children.delete(role);
          options.onExit({ code, signal, stdout, stderrTail: tail, stopped: entry.stopping });
          // Exited means the log file is closed too, so a caller may remove its directory.
          log.end(() => resolve());
        };
        // 'close' comes after the exit and after stdout/stderr are drained, so the last lines are in.
        child.once('close', (code, signal) => finish(code, signal));
        child.once('error', (err) => {
          tail.push(err.message);
          finish(null, null);
        });
      }),
    };
    this.#children.set(role, entry);
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  async stop(role: string): Promise<void> {
    const entry = this.#children.get(role);
    if (!entry) return;
    entry.stopping = true;
    entry.child.kill('SIGTERM');
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), GRACE_MS);
    await entry.exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.roles().map((role) => this.stop(role)));
  }

  /** For process exit paths where nothing async runs any more: leave no child behind. */
  killAllNow(): void {
    for (const { child } of this.#children.values()) child.kill('SIGKILL');
  }
}
