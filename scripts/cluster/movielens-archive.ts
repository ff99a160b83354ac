// Packs a MovieLens directory as GroupLens publishes it: <name>.zip holding one top-level folder <name>/, and
// <name>.zip.md5 beside it. `make deploy` serves the pair inside the cluster, so trainer Jobs download and verify
// the data as they would from GroupLens. Usage: node scripts/cluster/movielens-archive.ts <dir> <name> <out dir>
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isArchiveName } from '@recsys/trainer/data/download';
import { createZip } from '@recsys/trainer/data/zip';

const [dir, name, out] = process.argv.slice(2);
if (!dir || !name || !out || !isArchiveName(name)) {
  process.stderr.write('usage: movielens-archive.ts <movielens dir> <ml-100k|ml-1m|ml-latest-small> <out dir>\n');
  process.exit(2);
}
const files: Record<string, Uint8Array> = {};
for (const file of readdirSync(dir)) {
  const full = path.join(dir, file);
  if (statSync(full).isFile()) files[`${name}/${file}`] = readFileSync(full);
}
if (Object.keys(files).length === 0) {
  process.stderr.write(`${dir} holds no files; expected an unpacked ${name} directory\n`);
  process.exit(1);
}
const archive = createZip(files);
mkdirSync(out, { recursive: true });
const zip = path.join(out, `${name}.zip`);
writeFileSync(`${zip}.partial`, archive);
renameSync(`${zip}.partial`, zip);
writeFileSync(`${zip}.md5`, `MD5 (${name}.zip) = ${createHash('md5').update(archive).digest('hex')}\n`);
process.stdout.write(`${zip}\n`);
