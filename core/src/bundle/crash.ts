import { existsSync, writeFileSync } from 'node:fs';

/**
 * Crash injection for durability tests: with `RECSYS_CRASH_AT=<step>` in the environment, the process kills itself
 * with SIGKILL when it reaches that step, so no exit handler, finally block or buffered write gets to run.
 * Any long-running job (retrain, promote) can name its own steps and call `crashPoint` at each.
 */
export const CRASH_ENV = 'RECSYS_CRASH_AT';

/** The steps of `writeBundle`, in the order it reaches them. */
export const BUNDLE_CRASH_STEPS = [
  'bundle:tmp-created',
  'bundle:files-written',
  'bundle:manifest-written',
  'bundle:before-rename',
  'bundle:after-rename',
] as const;

export function crashPoint(step: string): void {
  if (process.env[CRASH_ENV] !== step) return;
  process.kill(process.pid, 'SIGKILL');
}

/**
 * Pause injection for race tests: with `RECSYS_PAUSE_AT=<step>` and `RECSYS_PAUSE_FILE=<file>`, the process writes
 * `<file>.reached` when it reaches that step and waits while `<file>` exists, so a test can land another process's
 * work exactly in between (e.g. a second promotion between this one's gate and its apply).
 */
export async function pausePoint(step: string): Promise<void> {
  const file = process.env.RECSYS_PAUSE_FILE;
  if (process.env.RECSYS_PAUSE_AT !== step || !file) return;
  writeFileSync(`${file}.reached`, `${process.pid}\n`);
  while (existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 50));
}
