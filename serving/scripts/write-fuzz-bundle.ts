/** Writes a small factor-model bundle for API fuzzing into the store given as the first argument; prints its version. */
import { writeCatalogueBundle } from '../test/catalogue-bundle.ts';

const store = process.argv[2];
if (!store) throw new Error('usage: node serving/scripts/write-fuzz-bundle.ts <store-dir>');
const bundle = await writeCatalogueBundle(store, 'movies', { users: 500, items: 800, perUser: 30, factors: 16 });
process.stdout.write(`${bundle.version}\n`);
