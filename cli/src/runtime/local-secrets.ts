import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What `recsys up` hands serving (the key file) and the site (the key and the session-signing secret). */
export interface LocalSecrets {
  /** Serving's `--api-keys-file`: re-read on change, so a key added there works without a restart. */
  apiKeysFile: string;
  /** The site's key (`RECSYS_API_KEY`): the first one of the file. */
  apiKey: string;
  /** The site's cookie-signing secret (`RECSYS_SESSION_SECRET`): visitor sessions survive a restart. */
  sessionSecret: string;
  /** The password of the PostgreSQL `recsys up` runs for `spec.serving.eventStream: postgres` (PGPASSWORD). */
  eventStreamPassword: string;
}

/** Made once under `<var>/secrets` (mode 0600) and kept, so visitors' sessions and the key outlive `recsys up`. */
export function localSecrets(varDir: string): LocalSecrets {
  const dir = path.join(varDir, 'secrets');
  // Only the secrets are private: a recursive mkdir would give <var> itself mode 0700 too.
  mkdirSync(varDir, { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const apiKeysFile = path.join(dir, 'api-keys');
  const sessionFile = path.join(dir, 'session-secret');
  const made = (file: string) => {
    if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    return readFileSync(file, 'utf8');
  };
  const apiKey = made(apiKeysFile)
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('#'));
  if (!apiKey) throw new Error(`${apiKeysFile} holds no API key; delete it and recsys up makes a new one`);
  return {
    apiKeysFile,
    apiKey,
    sessionSecret: made(sessionFile).trim(),
    eventStreamPassword: made(path.join(dir, 'event-stream-password')).trim(),
  };
}
