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
