import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** A server process started by a test, its output kept in a log file for when it fails. */
export interface ManagedProcess {
  name: string;
  pid: number | undefined;
  logFile: string;
  /** Whether it has exited, and how. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test run that dies without calling stop() must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startProcess(name: string, command: string, args: string[], logFile: string): ManagedProcess {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  running.add(child);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      exit = { code: null, signal: null };
      running.delete(child);
      spawnError = error;
      resolve();
    });
  });
  return {
    name,
    pid: child.pid,
    logFile,
    exited: () => exit,
    logTail(lines = 30) {
      const text = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      return spawnError ? `${spawnError.message}\n${text}` : text;
    },
    async stop(graceMs = 10_000) {
      if (exit) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Polls check until it returns true; fails early when the process exits, or after timeoutMs. */
export async function waitUntil(
  what: string,
  owner: ManagedProcess,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exit = owner.exited();
    if (exit) {
      throw new Error(
        `${owner.name} exited (code ${exit.code}, signal ${exit.signal}) before ${what}; its log ${owner.logFile} ends:\n${owner.logTail()}`,
      );
    }
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${owner.name} not ${what} after ${timeoutMs} ms; its log ${owner.logFile} ends:\n${owner.logTail()}`,
  );
}
