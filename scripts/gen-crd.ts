// Writes crds/recmodel.yaml from the RecModel zod schemas; `--check` exits 1 when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { recModelCrdYaml } from '@recsys/core/recmodel/crd';

const target = path.join(import.meta.dirname, '..', 'crds', 'recmodel.yaml');
const fresh = recModelCrdYaml();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {}
  if (committed !== fresh) {
    process.stderr.write(`${target} is stale: run node scripts/gen-crd.ts and commit it\n`);
    process.exit(1);
  }
} else {
  writeFileSync(target, fresh);
  process.stdout.write(`wrote ${target}\n`);
}
