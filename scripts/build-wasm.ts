import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Assembles a WebAssembly text kernel with wabt's wat2wasm (fetched by npx, so it is no dependency of the
// product) and writes the module's bytes beside it: x.wat -> x-wasm.ts, exporting WAT_SHA256 and WASM_BASE64.
// Each kernel has a test that fails when the two disagree. Run after editing a kernel:
//   node scripts/build-wasm.ts trainer/src/models/als/kernel.wat
const source = process.argv[2];
if (!source?.endsWith('.wat')) {
  console.error('usage: node scripts/build-wasm.ts <kernel.wat>');
  process.exit(2);
}
const wasm = path.join(tmpdir(), `kernel-${process.pid}.wasm`);
execFileSync('npx', ['-y', '-p', 'wabt@1.0.39', 'wat2wasm', source, '--enable-threads', '-o', wasm], {
  stdio: 'inherit',
});
const base64 = readFileSync(wasm).toString('base64');
const sourceSha256 = createHash('sha256').update(readFileSync(source)).digest('hex');
const lines = base64.match(/.{1,100}/g) ?? [];
const target = source.replace(/\.wat$/, '-wasm.ts');
writeFileSync(
  target,
  `// Generated from ${path.basename(source)} by scripts/build-wasm.ts; do not edit.\n` +
    `export const WAT_SHA256 = '${sourceSha256}';\n` +
    `export const WASM_BASE64 =\n${lines.map((line) => `  '${line}'`).join(' +\n')};\n`,
);
console.log(`${target}: ${base64.length} base64 characters`);
