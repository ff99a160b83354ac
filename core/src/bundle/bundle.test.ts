import {
  chmodSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.ts';
import { BundleError } from './errors.ts';
import { tensor } from './file-codec.ts';
import { listVersions, readBundle } from './reader.ts';
import { newVersion } from './store.ts';
import { sampleFiles, sampleManifestInput } from './testing/sample.ts';
import { writeBundle } from './writer.ts';

let store: string;
let cleanup: () => void;
beforeEach(() => ({ dir: store, cleanup } = tempDir('bundle-')));
afterEach(() => cleanup());

async function refusal(dir: string): Promise<BundleError> {
  try {
    await readBundle(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(BundleError);
    return err as BundleError;
  }
  throw new Error(`expected ${dir} to be refused`);
}

/** A writable copy of a bundle, so a test can damage it. */
function damageableCopy(dir: string): string {
  const copy = path.join(store, 'copies', path.basename(dir));
  rmSync(copy, { recursive: true, force: true });
  cpSync(dir, copy, { recursive: true });
  for (const name of readdirSync(copy)) chmodSync(path.join(copy, name), 0o644);
  return copy;
}

describe('bundle round trip', () => {
  it('reads back every dtype, shape, JSON and opaque bytes exactly', async () => {
    const files = sampleFiles();
    const { version, dir } = await writeBundle({ store, modelName: 'als', manifest: sampleManifestInput(), files });
    const bundle = await readBundle(dir);

    expect(bundle.manifest.version).toBe(version);
    expect(bundle.manifest.model_name).toBe('als');
    expect(bundle.f32('item_factors.f32')).toEqual((files['item_factors.f32'] as { data: Float32Array }).data);
    expect(bundle.shape('item_factors.f32')).toEqual([3, 2]);
    expect(bundle.u32('seen_indptr.u32')).toEqual(files['seen_indptr.u32']);
    expect(bundle.shape('seen_indptr.u32')).toEqual([3]);
    expect(bundle.f64('popularity.f64')).toEqual(files['popularity.f64']);
    expect(bundle.u8('flags.u8')).toEqual(files['flags.u8']);
    expect(bundle.bytes('index.usearch').toString()).toBe('opaque bytes');
    expect(bundle.json('id_map.json')).toEqual(files['id_map.json']);
    expect(readFileSync(bundle.path('index.usearch'), 'utf8')).toBe('opaque bytes');
    expect(bundle.manifest.files['popularity.f64']).toMatchObject({ dtype: 'f64', bytes: 24, shape: [3] });
    expect(bundle.manifest.files['id_map.json'].dtype).toBeUndefined();
    expect(listVersions(store, 'als')).toEqual([version]);
  });

  it('stores raw arrays little-endian', async () => {
    const { dir } = await writeBundle({
      store,
      modelName: 'als',
      manifest: sampleManifestInput(),
      files: { 'x.u32': Uint32Array.of(0x01020304) },
    });
    expect([...readFileSync(path.join(dir, 'x.u32'))]).toEqual([4, 3, 2, 1]);
  });

  it('writes files read-only and lists versions oldest first', async () => {
    const older = await writeBundle({ store, modelName: 'als', manifest: sampleManifestInput(), files: {} });
    const newer = await writeBundle({ store, modelName: 'als', manifest: sampleManifestInput(), files: sampleFiles() });
    expect(statSync(path.join(newer.dir, 'flags.u8')).mode & 0o222).toBe(0);
    expect(listVersions(store, 'als')).toEqual([older.version, newer.version].sort());
    expect(newVersion(new Date('2026-01-01T00:00:00.001Z')) < newVersion(new Date('2026-01-01T00:00:00.002Z'))).toBe(
      true,
    );
    expect(listVersions(store, 'unknown-model')).toEqual([]);
  });

  it('refuses to overwrite an existing version', async () => {
    const { version } = await writeBundle({ store, modelName: 'als', manifest: sampleManifestInput(), files: {} });
    await expect(
      writeBundle({ store, modelName: 'als', version, manifest: sampleManifestInput(), files: {} }),
    ).rejects.toThrow(/already exists/);
  });

  it('rejects bad input before touching the store', async () => {
    const write = (files: Record<string, unknown>, manifest = sampleManifestInput()) =>
      writeBundle({ store, modelName: 'als', manifest, files: files as Record<string, object> });
    await expect(write({ 'a.f32': tensor(new Float32Array(6), 4, 2) })).rejects.toThrow(/shape \[4, 2\].*6 elements/);
    await expect(write({ 'a.i32': new Int32Array(2) })).rejects.toThrow(/Int32Array; expected Float32Array/);
    await expect(write({ 'manifest.json': {} })).rejects.toThrow(/written by the bundle writer/);
    await expect(write({ '../escape': {} })).rejects.toThrow(/invalid bundle file name/);
    await expect(write({}, { ...sampleManifestInput(), model_type: '' })).rejects.toThrow(/model_type/);
    expect(existsSync(path.join(store, 'als'))).toBe(false);
  });
});

describe('bundle verification', () => {
  it('refuses a flipped byte in each file, naming the file and both digests', async () => {
    const { dir, manifest } = await writeBundle({
      store,
      modelName: 'als',
      manifest: sampleManifestInput(),
      files: sampleFiles(),
    });
    for (const name of Object.keys(manifest.files)) {
      const copy = damageableCopy(dir);
      const file = path.join(copy, name);
      const bytes = readFileSync(file);
      bytes[bytes.length >> 1] ^= 0x01;
      writeFileSync(file, bytes);
      const err = await refusal(copy);
      expect(err.file).toBe(name);
      expect(err.message).toContain(`file "${name}" has sha256`);
      expect(err.message).toContain(`manifest expects ${manifest.files[name].sha256}`);
    }
  });

  it('refuses a missing, a truncated and an unexpected file', async () => {
    const { dir } = await writeBundle({
      store,
      modelName: 'als',
      manifest: sampleManifestInput(),
      files: sampleFiles(),
    });

    const missing = damageableCopy(dir);
    rmSync(path.join(missing, 'popularity.f64'));
    const missingErr = await refusal(missing);
    expect(missingErr.file).toBe('popularity.f64');
    expect(missingErr.message).toContain('"popularity.f64" listed in the manifest is missing');

    const truncated = damageableCopy(dir);
    writeFileSync(path.join(truncated, 'flags.u8'), Uint8Array.of(0, 1));
    expect((await refusal(truncated)).message).toContain('"flags.u8" is 2 bytes, manifest says 3');

    const extra = damageableCopy(dir);
    writeFileSync(path.join(extra, 'stowaway.bin'), 'x');
    const extraErr = await refusal(extra);
    expect(extraErr.file).toBe('stowaway.bin');
    expect(extraErr.message).toContain('unexpected file "stowaway.bin"');
  });

  it('refuses a dir with no manifest, a corrupt manifest, or a version that does not match its dir', async () => {
    const { dir } = await writeBundle({
      store,
      modelName: 'als',
      manifest: sampleManifestInput(),
      files: sampleFiles(),
    });
    expect((await refusal(store)).message).toContain('is not a bundle');

    const corrupt = damageableCopy(dir);
    writeFileSync(path.join(corrupt, 'manifest.json'), '{"format_version": 1,');
    expect((await refusal(corrupt)).message).toContain('not valid JSON');

    const renamed = damageableCopy(dir);
    const moved = path.join(path.dirname(renamed), 'v-renamed');
    renameSync(renamed, moved);
    expect((await refusal(moved)).message).toContain('a bundle must live in a dir named after its version');
  });

  it('names the file and the stored dtype when read as another dtype', async () => {
    const { dir } = await writeBundle({
      store,
      modelName: 'als',
      manifest: sampleManifestInput(),
      files: sampleFiles(),
    });
    const bundle = await readBundle(dir);
    expect(() => bundle.f32('seen_indptr.u32')).toThrow(/"seen_indptr.u32" holds u32, not f32/);
    expect(() => bundle.u8('id_map.json')).toThrow(/holds non-array data/);
    expect(() => bundle.f32('nope.f32')).toThrow(/has no file "nope.f32"; it has: /);
  });
});
