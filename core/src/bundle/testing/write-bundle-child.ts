// Child process for crash tests: writes one sample bundle; RECSYS_CRASH_AT decides where it dies.
import { writeBundle } from '../writer.ts';
import { sampleFiles, sampleManifestInput } from './sample.ts';

const [store, version] = process.argv.slice(2);
await writeBundle({ store, modelName: 'crashy', version, manifest: sampleManifestInput(), files: sampleFiles() });
