export * from './crash.ts';
export * from './errors.ts';
export * from './file-codec.ts';
export * from './manifest.ts';
export * from './reader.ts';
export * from './store.ts';
export * from './writer.ts';
