import path from 'node:path';
import { createTracker } from './index.ts';
import type { Tracker } from './tracker.ts';

/** The environment variable that points every command at an MLflow server (the CLI's --tracking-uri wins). */
export const TRACKING_URI_ENV = 'RECSYS_TRACKING_URI';

/**
 * The tracker a store uses: MLflow when a URI is configured (runs it cannot take wait in the store's spool),
 * otherwise the embedded SQLite store beside the bundles — the zero-setup default.
 */
export function trackerForStore(store: string, uri = process.env[TRACKING_URI_ENV]): Tracker {
  return uri
    ? createTracker({ backend: 'mlflow', uri, spoolDir: path.join(store, '.tracking-spool') })
    : createTracker({ backend: 'embedded', path: path.join(store, 'tracking') });
}
