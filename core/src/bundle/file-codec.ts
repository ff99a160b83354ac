import { endianness } from 'node:os';
import { BundleError } from './errors.ts';
import type { Dtype } from './manifest.ts';

export type NumericArray = Float32Array | Uint32Array | Float64Array | Uint8Array;

/** A typed array with its logical shape (row-major), e.g. item factors as [items, factors]. */
export interface Tensor {
  readonly data: NumericArray;
  readonly shape: readonly number[];
}

/**
 * What a bundle file can hold: a typed array (shape [length]) or a Tensor is stored raw little-endian with dtype and
 * shape in the manifest; a Buffer is opaque bytes (e.g. the usearch index); any other object is stored as JSON.
 * A plain Uint8Array is a u8 array; only a Buffer is opaque.
 */
export type BundleFileValue = NumericArray | Tensor | Buffer | object;

export interface EncodedFile {
  readonly bytes: Buffer;
  readonly dtype?: Dtype;
  readonly shape?: number[];
}

export function tensor(data: NumericArray, ...shape: number[]): Tensor {
  return { data, shape };
}

export function dtypeOf(data: ArrayBufferView): Dtype | undefined {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Uint32Array) return 'u32';
  if (data instanceof Float64Array) return 'f64';
  if (data instanceof Uint8Array && !Buffer.isBuffer(data)) return 'u8';
  return undefined;
}

export function assertLittleEndianHost(): void {
  // Raw arrays are written and viewed in host byte order; every platform Node ships for is little-endian today.
  if (endianness() !== 'LE') throw new BundleError('bundles hold little-endian arrays; this host is big-endian');
}

function isTensor(value: object): value is Tensor {
  const t = value as Partial<Tensor>;
  return ArrayBuffer.isView(t.data) && Array.isArray(t.shape);
}

function encodeArray(name: string, data: ArrayBufferView, shape: readonly number[]): EncodedFile {
  const dtype = dtypeOf(data);
  if (!dtype) {
    throw new BundleError(
      `bundle file "${name}" is a ${data.constructor.name}; expected Float32Array, Uint32Array, Float64Array or Uint8Array`,
      { file: name },
    );
  }
  const length = (data as NumericArray).length;
  const elements = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((s) => Number.isInteger(s) && s >= 0) || elements !== length) {
    throw new BundleError(
      `bundle file "${name}" has shape [${shape.join(', ')}] (${elements} elements) but holds ${length} elements`,
      { file: name },
    );
  }
  assertLittleEndianHost();
  return { bytes: Buffer.from(data.buffer, data.byteOffset, data.byteLength), dtype, shape: [...shape] };
}

export function encodeFile(name: string, value: BundleFileValue): EncodedFile {
  if (Buffer.isBuffer(value)) return { bytes: value };
  if (ArrayBuffer.isView(value)) return encodeArray(name, value, [(value as NumericArray).length]);
  if (isTensor(value)) return encodeArray(name, value.data, value.shape);
  const json = JSON.stringify(value);
  if (json === undefined) throw new BundleError(`bundle file "${name}" is not JSON-serialisable`, { file: name });
  return { bytes: Buffer.from(json, 'utf8') };
}
