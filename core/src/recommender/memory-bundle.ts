import type { BundleArrays } from './scorer.ts';

/**
 * Bundle files held in memory behind the reader interface: loads a recommender from `recommenderFiles`
 * without a disk round trip (candidate scoring, tests). Arrays are copied so the result shares nothing.
 */
export function memoryBundle(files: Record<string, unknown>): BundleArrays {
  const get = (name: string): unknown => {
    if (!(name in files)) throw new Error(`bundle has no file ${name}; it has ${Object.keys(files).join(', ')}`);
    return files[name];
  };
  const typed = <A>(name: string, Ctor: new (values: ArrayLike<number>) => A): A => {
    const stored = get(name);
    // A tensor ({ data, shape }) is read back as its flat data, as the bundle reader does.
    const value =
      stored !== null && typeof stored === 'object' && 'data' in stored && 'shape' in stored ? stored.data : stored;
    if (!(value instanceof Ctor)) throw new Error(`bundle file ${name} is not a ${Ctor.name}`);
    return new Ctor(value as ArrayLike<number>);
  };
  return {
    has: (name) => name in files,
    f32: (name) => typed(name, Float32Array),
    u32: (name) => typed(name, Uint32Array),
    u8: (name) => typed(name, Uint8Array),
    json: (name) => JSON.parse(JSON.stringify(get(name))),
  };
}
