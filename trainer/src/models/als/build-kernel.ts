import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Assembles kernel.wat with wabt's wat2wasm (fetched by npx, so it is no dependency of the product) and
// writes the module's bytes into kernel-wasm.ts. Run after editing kernel.wat: node trainer/src/models/als/build-kernel.ts
const here = path.dirname(fileURLToPath(import.meta.url));
const wasm = path.join(tmpdir(), `als-kernel-${process.pid}.wasm`);
execFileSync(
  'npx',
  ['-y', '-p', 'wabt@1.0.39', 'wat2wasm', path.join(here, 'kernel.wat'), '--enable-threads', '-o', wasm],
  {
    stdio: 'inherit',
  },
);
const base64 = readFileSync(wasm).toString('base64');
const sourceSha256 = createHash('sha256')
  .update(readFileSync(path.join(here, 'kernel.wat')))
  .digest('hex');
const lines = base64.match(/.{1,100}/g) ?? [];
writeFileSync(
  path.join(here, 'kernel-wasm.ts'),
  '// Generated from kernel.wat by build-kernel.ts; do not edit.\n' +
    `export const ALS_KERNEL_WAT_SHA256 = '${sourceSha256}';\n` +
    `export const ALS_KERNEL_WASM_BASE64 =\n${lines.map((line) => `  '${line}'`).join(' +\n')};\n`,
);
console.log(`kernel-wasm.ts: ${base64.length} base64 characters`);
