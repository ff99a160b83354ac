import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TrackingError } from './tracker.ts';

/** A relative artifact path with `/` separators; refuses `..` and absolute paths so nothing escapes the run. */
export function normalizeArtifactPath(artifactPath: string | undefined): string {
  if (artifactPath === undefined) return '';
  const parts = artifactPath.split(/[\\/]+/).filter((part) => part.length > 0 && part !== '.');
  if (parts.includes('..')) {
    throw new TrackingError(`artifact path "${artifactPath}" contains ".."; give a path inside the run, e.g. "bundle"`);
  }
  return parts.join('/');
}

export function joinArtifactPath(...parts: string[]): string {
  return parts.filter((part) => part.length > 0).join('/');
}

/**
 * The files that logArtifact(localPath, artifactPath) stores, each with its destination inside the run:
 * a file lands at `<artifactPath>/<name>`, a directory's files under `<artifactPath>/<dirname>/`.
 */
export function artifactFiles(localPath: string, artifactPath?: string): { local: string; destination: string }[] {
  if (!existsSync(localPath)) {
    throw new TrackingError(
      `artifact ${localPath} does not exist; pass a file or directory that was written before logging it`,
    );
  }
  const root = joinArtifactPath(normalizeArtifactPath(artifactPath), path.basename(path.resolve(localPath)));
  if (!statSync(localPath).isDirectory()) return [{ local: localPath, destination: root }];
  const files: { local: string; destination: string }[] = [];
  const walk = (dir: string, destination: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const local = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(local, joinArtifactPath(destination, entry.name));
      else if (entry.isFile()) files.push({ local, destination: joinArtifactPath(destination, entry.name) });
    }
  };
  walk(localPath, root);
  return files;
}
