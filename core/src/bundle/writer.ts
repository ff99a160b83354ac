import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { crashPoint } from './crash.ts';
import { BundleError } from './errors.ts';
import { type BundleFileValue, type EncodedFile, encodeFile } from './file-codec.ts';
import {
  BUNDLE_FORMAT_VERSION,
  type BundleFile,
  MANIFEST_FILE,
  type Manifest,
  type ManifestInput,
  parseManifest,
} from './manifest.ts';
import { assertSafeName, cleanStaleTmpDirs, modelDir, newVersion, tmpDirName } from './store.ts';

export interface WriteBundleOptions {
  /** Root of the artifact store; the bundle lands in `<store>/<modelName>/<version>/`. */
  readonly store: string;
  readonly modelName: string;
  readonly manifest: ManifestInput;
  /** File name (as written in the bundle, e.g. "item_factors.f32") → content. */
  readonly files: Readonly<Record<string, BundleFileValue>>;
  /** Defaults to a new time-sortable version (see `newVersion`). */
  readonly version?: string;
}

export interface WrittenBundle {
  readonly version: string;
  readonly dir: string;
  readonly manifest: Manifest;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function writeDurable(file: string, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  // Read-only on disk: a bundle is never modified after it is written.
  await chmod(file, 0o444);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function encodeAll(files: Readonly<Record<string, BundleFileValue>>): Map<string, EncodedFile> {
  const encoded = new Map<string, EncodedFile>();
  for (const [name, value] of Object.entries(files)) {
    assertSafeName('bundle file name', name);
    if (name === MANIFEST_FILE) {
      throw new BundleError(`"${MANIFEST_FILE}" is written by the bundle writer; pass its fields as \`manifest\``);
    }
    encoded.set(name, encodeFile(name, value));
  }
  return encoded;
}

/**
 * Writes a bundle atomically: files and manifest go to a temp dir inside the model dir, are fsynced, and the dir is
 * renamed into place, so a reader sees a complete bundle or none. Temp dirs of killed writers are removed first.
 */
export async function writeBundle(options: WriteBundleOptions): Promise<WrittenBundle> {
  const { store, modelName } = options;
  const modelPath = modelDir(store, modelName);
  const version = options.version ?? newVersion();
  assertSafeName('bundle version', version);
  if (options.manifest.model_name !== undefined && options.manifest.model_name !== modelName) {
    throw new BundleError(
      `manifest.model_name "${options.manifest.model_name}" differs from modelName "${modelName}"; pass one name`,
    );
  }

  const encoded = encodeAll(options.files);
  const fileEntries: Record<string, BundleFile> = {};
  for (const [name, file] of encoded) {
    fileEntries[name] = { sha256: sha256(file.bytes), bytes: file.bytes.length, dtype: file.dtype, shape: file.shape };
  }
  const manifest = parseManifest(
    {
      ...options.manifest,
      format_version: BUNDLE_FORMAT_VERSION,
      model_name: modelName,
      version,
      files: fileEntries,
      created_at: new Date().toISOString(),
    },
    `for model "${modelName}" version ${version}`,
  );

  const finalDir = path.join(modelPath, version);
  if (existsSync(finalDir)) {
    throw new BundleError(`bundle ${finalDir} already exists; bundles are immutable, write a new version`);
  }
  await mkdir(modelPath, { recursive: true });
  cleanStaleTmpDirs(modelPath);
  const tmpDir = path.join(modelPath, tmpDirName(version));
  await mkdir(tmpDir);
  try {
    crashPoint('bundle:tmp-created');
    for (const [name, file] of encoded) await writeDurable(path.join(tmpDir, name), file.bytes);
    crashPoint('bundle:files-written');
    await writeDurable(path.join(tmpDir, MANIFEST_FILE), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    crashPoint('bundle:manifest-written');
    await syncDir(tmpDir);
    crashPoint('bundle:before-rename');
    await rename(tmpDir, finalDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') {
        throw new BundleError(`bundle ${finalDir} was written concurrently by another writer; write a new version`);
      }
      throw err;
    });
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
  await syncDir(modelPath);
  crashPoint('bundle:after-rename');
  return { version, dir: finalDir, manifest };
}
