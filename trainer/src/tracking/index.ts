import { EmbeddedTracker } from './embedded.ts';
import { MlflowTracker } from './mlflow.ts';
import type { Tracker } from './tracker.ts';

export type TrackerConfig =
  /** `path`: the directory holding tracking.sqlite and the copied artifacts. */
  | { backend: 'embedded'; path: string }
  /** `spoolDir`: where runs wait while the server cannot take them, e.g. `<store>/.tracking-spool`. */
  | { backend: 'mlflow'; uri: string; spoolDir: string; timeoutMs?: number };

/** The tracker the configuration names; the embedded store needs no server and is the default elsewhere. */
export function createTracker(config: TrackerConfig): Tracker {
  return config.backend === 'embedded'
    ? new EmbeddedTracker(config.path)
    : new MlflowTracker({ uri: config.uri, spoolDir: config.spoolDir, timeoutMs: config.timeoutMs });
}

export { MlflowRequestError } from './mlflow-rest.ts';
export * from './tracker.ts';
