import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import type { Csr } from '@recsys/core/csr';
import type { DatasetManifest, ItemMeta, PreparedDataset } from './dataset.ts';
import { DataError } from './errors.ts';
import type { PreparedContent } from './protocol.ts';

export const MANIFEST_FILE = 'dataset.json';
const SPLITS = ['train', 'validation', 'test', 'fit'] as const;

type TypedArray = Uint8Array | Uint32Array | Float32Array | Float64Array;
type Data = PreparedContent['data'];

/** Every content file in the fixed order the fingerprint hashes them, with the bytes it holds. */
function contentFiles(data: Data): [string, Uint8Array][] {
  const files: [string, TypedArray | string][] = [
    ['users.id.u32', data.userIds],
    ['items.id.u32', data.movieIds],
    ['items.json', `${JSON.stringify(data.items)}\n`],
    ['items.genres.u8', data.itemGenres],
    ['events.user.u32', data.events.user],
    ['events.item.u32', data.events.item],
    ['events.time.f64', data.events.time],
    ['events.rating.f32', data.events.rating],
  ];
  for (const split of SPLITS) {
    const m = data[split];
    files.push(
      [`${split}.indptr.u32`, m.indptr],
      [`${split}.indices.u32`, m.indices],
      [`${split}.values.f32`, m.values!],
      [`${split}.times.f64`, m.times!],
    );
  }
  files.push(
    ['popularity.count.u32', data.popularity.count],
    ['popularity.mean_rating.f32', data.popularity.meanRating],
    ['popularity.newest.f64', data.popularity.newest],
    ['popularity.trending.u32', data.popularity.trending],
  );
  return files.map(([name, content]) => [
    name,
    typeof content === 'string'
      ? Buffer.from(content)
      : new Uint8Array(content.buffer, content.byteOffset, content.byteLength),
  ]);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 over the content files' names and hashes in their fixed order: the same data gives the same fingerprint. */
function fingerprintOf(files: DatasetManifest['files']): string {
  const hash = createHash('sha256');
  for (const [name, file] of Object.entries(files)) hash.update(`${name}\0${file.sha256}\n`);
  return hash.digest('hex');
}

/**
 * Writes the prepared dataset atomically: everything goes to a hidden temp directory beside `out`, which is
 * renamed into place only when complete (an earlier prepared dataset at `out` is replaced; anything else refused).
 */
export function writePrepared(
  out: string,
  content: PreparedContent,
  origin: { layout: DatasetManifest['layout']; source: string },
): DatasetManifest {
  if (endianness() !== 'LE') throw new Error('prepared datasets are little-endian; this machine is big-endian');
  const target = path.resolve(out);
  const occupied = existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0);
  if (occupied && !existsSync(path.join(target, MANIFEST_FILE))) {
    throw new DataError(`output directory exists and is not a prepared dataset; choose another --out or remove it`, {
      file: target,
    });
  }
  mkdirSync(path.dirname(target), { recursive: true });
  const temp = siblingPath(target, 'partial');
  try {
    mkdirSync(temp);
    const files: DatasetManifest['files'] = {};
    for (const [name, bytes] of contentFiles(content.data)) {
      writeFileSync(path.join(temp, name), bytes);
      files[name] = { sha256: sha256(bytes), bytes: bytes.byteLength };
    }
    const manifest: DatasetManifest = {
      format_version: 1,
      layout: origin.layout,
      source: origin.source,
      fingerprint: fingerprintOf(files),
      ...content.summary,
      created_at: new Date().toISOString(),
      files,
    };
    writeFileSync(path.join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    replaceDirectory(temp, target);
    return manifest;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function siblingPath(target: string, role: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${role}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/** Moves a finished directory into place; the previous one is moved aside first and removed after. */
function replaceDirectory(finished: string, target: string): void {
  if (!existsSync(target)) {
    renameSync(finished, target);
    return;
  }
  const old = siblingPath(target, 'old');
  renameSync(target, old);
  try {
    renameSync(finished, target);
  } catch (err) {
    renameSync(old, target);
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
}

/** Reads a prepared dataset, refusing any file whose sha256 differs from dataset.json (the file is named). */
export function readPrepared(dir: string): PreparedDataset {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new DataError(
      `not a prepared dataset (no ${MANIFEST_FILE}); run \`recsys data prepare --out ${dir}\` first`,
      {
        file: dir,
      },
    );
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as DatasetManifest;
  if (manifest.format_version !== 1) {
    throw new DataError(`format_version ${manifest.format_version} is not supported; expected 1 (prepare it again)`, {
      file: manifestPath,
    });
  }
  const load = (name: string): Buffer => {
    const expected = manifest.files[name];
    const file = path.join(dir, name);
    if (!expected)
      throw new DataError(`${MANIFEST_FILE} does not list ${name}; prepare the dataset again`, { file: manifestPath });
    if (!existsSync(file)) throw new DataError(`missing; prepare the dataset again`, { file });
    const bytes = readFileSync(file);
    if (sha256(bytes) !== expected.sha256) {
      throw new DataError(
        `sha256 differs from ${MANIFEST_FILE}: the file is corrupt or was modified; prepare the dataset again`,
        {
          file,
        },
      );
    }
    return bytes;
  };
  const u32 = (name: string) => view(load(name), Uint32Array);
  const f32 = (name: string) => view(load(name), Float32Array);
  const f64 = (name: string) => view(load(name), Float64Array);
  const csr = (split: (typeof SPLITS)[number]): Csr => ({
    rows: manifest.users,
    cols: manifest.items,
    indptr: u32(`${split}.indptr.u32`),
    indices: u32(`${split}.indices.u32`),
    values: f32(`${split}.values.f32`),
    times: f64(`${split}.times.f64`),
  });
  return {
    dir,
    manifest,
    userIds: u32('users.id.u32'),
    movieIds: u32('items.id.u32'),
    items: JSON.parse(load('items.json').toString('utf8')) as ItemMeta[],
    itemGenres: new Uint8Array(load('items.genres.u8')),
    events: {
      user: u32('events.user.u32'),
      item: u32('events.item.u32'),
      time: f64('events.time.f64'),
      rating: f32('events.rating.f32'),
    },
    train: csr('train'),
    validation: csr('validation'),
    test: csr('test'),
    fit: csr('fit'),
    popularity: {
      count: u32('popularity.count.u32'),
      meanRating: f32('popularity.mean_rating.f32'),
      newest: f64('popularity.newest.f64'),
      trending: u32('popularity.trending.u32'),
    },
  };
}

function view<T extends Uint32Array | Float32Array | Float64Array>(
  bytes: Buffer,
  Type: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
): T {
  // A pooled Buffer may start at an unaligned offset; copy into a fresh buffer then.
  const source = bytes.byteOffset % Type.BYTES_PER_ELEMENT === 0 ? bytes : new Uint8Array(bytes);
  return new Type(source.buffer as ArrayBuffer, source.byteOffset, source.byteLength / Type.BYTES_PER_ELEMENT);
}
