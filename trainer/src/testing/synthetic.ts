import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prepareDataset } from '../data/prepare.ts';
import { synthesize } from '../data/synth.ts';

export interface SyntheticSource {
  /** ML-1M-layout files with a hidden model (`recsys data synth`). */
  raw: string;
  /** The same data prepared (`recsys data prepare`). */
  prepared: string;
}

/** Structured synthetic MovieLens data, synthesised and prepared under `dir`; small enough for the unit tier. */
export async function syntheticDataset(
  dir: string,
  options: { users?: number; items?: number; interactions?: number; seed?: number } = {},
): Promise<SyntheticSource> {
  const raw = path.join(dir, 'raw');
  synthesize({ users: 1000, items: 300, interactions: 60_000, seed: 7, ...options, out: raw });
  const prepared = path.join(dir, 'prepared');
  await prepareDataset({ source: raw, out: prepared });
  return { raw, prepared };
}

/**
 * A copy of an ML-1M-layout directory keeping only the oldest `share` of ratings by time: "the data as it was
 * earlier", for models trained before newer interactions arrived.
 */
export async function earlierSnapshot(raw: string, share: number, dir: string): Promise<string> {
  const lines = readFileSync(path.join(raw, 'ratings.dat'), 'latin1')
    .split('\n')
    .filter((line) => line.length > 0);
  const time = (line: string) => Number(line.split('::')[3]);
  const sorted = [...lines].sort((a, b) => time(a) - time(b));
  const cutoff = time(sorted[Math.floor(sorted.length * share)]);
  const out = path.join(dir, 'earlier-raw');
  mkdirSync(out, { recursive: true });
  for (const file of ['movies.dat', 'users.dat']) copyFileSync(path.join(raw, file), path.join(out, file));
  writeFileSync(path.join(out, 'ratings.dat'), `${lines.filter((line) => time(line) < cutoff).join('\n')}\n`, 'latin1');
  const prepared = path.join(dir, 'earlier-prepared');
  await prepareDataset({ source: out, out: prepared });
  return prepared;
}
