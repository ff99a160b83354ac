import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BundleError } from './errors.ts';
import { assertLittleEndianHost, type NumericArray } from './file-codec.ts';
import { type Dtype, MANIFEST_FILE, type Manifest, parseManifest } from './manifest.ts';

export { listVersions } from './store.ts';

/**
 * A verified bundle. Array accessors return views over the bytes read at verification (no copy): treat them as
 * read-only, they are shared by every caller.
 */
export interface Bundle {
  readonly dir: string;
  readonly manifest: Manifest;
  has(name: string): boolean;
  f32(name: string): Float32Array;
  u32(name: string): Uint32Array;
  f64(name: string): Float64Array;
  u8(name: string): Uint8Array;
  /** Logical shape of a raw array file, as written. */
  shape(name: string): readonly number[];
  json<T = unknown>(name: string): T;
  bytes(name: string): Buffer;
  /** Absolute path, for files a library opens itself (the usearch index). */
  path(name: string): string;
}

type ArrayCtor<A extends NumericArray> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): A;
  new (length: number): A;
  readonly BYTES_PER_ELEMENT: number;
};

function view<A extends NumericArray>(Ctor: ArrayCtor<A>, bytes: Buffer): A {
  const length = bytes.length / Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer, bytes.byteOffset, length);
  // Misaligned inside a shared read buffer: typed arrays need aligned offsets, so copy once.
  const copy = new Ctor(length);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new BundleError(
      `${dir} is not a bundle: it has no ${MANIFEST_FILE}; expected a version dir <store>/<model>/<version>`,
      { file: MANIFEST_FILE },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BundleError(`${file} is not valid JSON (${(err as Error).message}); the bundle is corrupt`, {
      file: MANIFEST_FILE,
    });
  }
  return parseManifest(value, file);
}

/** Reads every file of the bundle and checks it against the manifest's size and sha256; lists every mismatch. */
async function readVerified(dir: string, manifest: Manifest): Promise<Map<string, Buffer>> {
  const problems: { file: string; text: string }[] = [];
  const present = new Set((await readdir(dir)).filter((name) => name !== MANIFEST_FILE));
  for (const name of present) {
    if (!(name in manifest.files)) problems.push({ file: name, text: `unexpected file "${name}" (not in manifest)` });
  }
  const contents = new Map<string, Buffer>();
  for (const [name, expected] of Object.entries(manifest.files)) {
    if (!present.has(name)) {
      problems.push({ file: name, text: `file "${name}" listed in the manifest is missing` });
      continue;
    }
    const bytes = await readFile(path.join(dir, name));
    if (bytes.length !== expected.bytes) {
      problems.push({ file: name, text: `file "${name}" is ${bytes.length} bytes, manifest says ${expected.bytes}` });
      continue;
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected.sha256) {
      problems.push({
        file: name,
        text: `file "${name}" has sha256 ${actual}, manifest expects ${expected.sha256}`,
      });
      continue;
    }
    contents.set(name, bytes);
  }
  if (problems.length > 0) {
    throw new BundleError(
      `bundle ${dir} failed verification, do not load it (rewrite it from its training run):\n` +
        problems.map((p) => `  - ${p.text}`).join('\n'),
      { file: problems[0].file },
    );
  }
  return contents;
}

/** Opens a bundle dir, refusing it unless every file matches the manifest byte for byte. */
export async function readBundle(dir: string): Promise<Bundle> {
  const absolute = path.resolve(dir);
  const manifest = await readManifest(absolute);
  if (manifest.version !== path.basename(absolute)) {
    throw new BundleError(
      `bundle dir ${absolute} holds version "${manifest.version}"; a bundle must live in a dir named after its version`,
      { file: MANIFEST_FILE },
    );
  }
  const contents = await readVerified(absolute, manifest);

  const entry = (name: string) => {
    const file = manifest.files[name];
    if (!file) {
      throw new BundleError(
        `bundle ${manifest.model_name}/${manifest.version} has no file "${name}"; it has: ${Object.keys(manifest.files).join(', ')}`,
        { file: name },
      );
    }
    return file;
  };
  const bytes = (name: string) => {
    entry(name);
    return contents.get(name)!;
  };
  const typed = <A extends NumericArray>(name: string, dtype: Dtype, Ctor: ArrayCtor<A>): A => {
    const actual = entry(name).dtype;
    if (actual !== dtype) {
      throw new BundleError(`bundle file "${name}" holds ${actual ?? 'non-array data'}, not ${dtype}`, { file: name });
    }
    assertLittleEndianHost();
    return view(Ctor, bytes(name));
  };

  return {
    dir: absolute,
    manifest,
    has: (name) => name in manifest.files,
    f32: (name) => typed(name, 'f32', Float32Array),
    u32: (name) => typed(name, 'u32', Uint32Array),
    f64: (name) => typed(name, 'f64', Float64Array),
    u8: (name) => typed(name, 'u8', Uint8Array),
    shape: (name) => {
      const shape = entry(name).shape;
      if (!shape) throw new BundleError(`bundle file "${name}" is not a raw array and has no shape`, { file: name });
      return shape;
    },
    json: <T>(name: string) => {
      const text = bytes(name).toString('utf8');
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new BundleError(`bundle file "${name}" is not JSON (${(err as Error).message})`, { file: name });
      }
    },
    bytes,
    path: (name) => {
      entry(name);
      return path.join(absolute, name);
    },
  };
}
