import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { stableJson } from './run-name.ts';
import { type RecModel, RecModelStatusSchema } from './types.ts';

/**
 * What the API server keeps for a RecModel in a cluster, kept in a file by the local runtime: the status,
 * and a generation that moves when the spec does (a local YAML file has no metadata.generation).
 */
export const LocalStateSchema = z
  .object({
    generation: z.number().int().min(1),
    spec_digest: z.string(),
    status: RecModelStatusSchema.optional(),
  })
  .strict();
export type LocalState = z.infer<typeof LocalStateSchema>;

/** The state file, or null when there is none yet (the first `recsys up`). */
export function readLocalState(file: string): LocalState | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = LocalStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `${file} is not a RecModel state file (${parsed.error.issues[0]?.message}); remove it to start over from the store's Production`,
    );
  }
  return parsed.data;
}

/** Written to a temp file and renamed, so a crash leaves the old state or the new one. */
export function writeLocalState(file: string, state: LocalState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/**
 * The RecModel as a cluster would hand it to reconcile: metadata.generation (bumped when the spec changed
 * since the state was written) and the stored status. Returns the state to write back with the next status.
 */
export function withLocalState(
  recModel: RecModel,
  state: LocalState | null,
): { recModel: RecModel; state: LocalState } {
  const digest = stableJson(recModel.spec);
  const generation = state === null ? 1 : state.spec_digest === digest ? state.generation : state.generation + 1;
  const next: LocalState = { generation, spec_digest: digest, status: state?.status };
  return {
    recModel: { ...recModel, metadata: { ...recModel.metadata, generation }, status: state?.status },
    state: next,
  };
}
