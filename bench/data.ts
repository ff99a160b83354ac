/**
 * Wall time and peak memory (RSS) to synthesise and to prepare 1,000,000 interactions in the MovieLens-1M shape
 * (6,040 users × 3,706 movies). Each phase runs in its own process so its peak RSS is its own.
 * Target: prepare <= 10 s. Usage: node bench/data.ts [--json]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prepareDataset } from '../trainer/src/data/prepare.ts';
import { synthesize } from '../trainer/src/data/synth.ts';

const SHAPE = { users: 6040, items: 3706, interactions: 1_000_000, seed: 1 };
const PREPARE_TARGET_SECONDS = 10;

const { values: args } = parseArgs({
  options: { phase: { type: 'string' }, dir: { type: 'string' }, json: { type: 'boolean', default: false } },
});

interface Measure {
  seconds: number;
  /** User + system CPU: what the phase costs when the machine is shared (wall time then says more about the neighbours). */
  cpu_seconds: number;
  peak_rss_mb: number;
}

async function runPhase(phase: string, dir: string): Promise<Measure> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  if (phase === 'synth') synthesize({ ...SHAPE, out: path.join(dir, 'synth') });
  else await prepareDataset({ source: path.join(dir, 'synth'), out: path.join(dir, 'prepared') });
  const used = process.cpuUsage(cpu);
  return {
    seconds: (performance.now() - started) / 1000,
    cpu_seconds: (used.user + used.system) / 1e6,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
}

function measureInChild(phase: string, dir: string): Measure {
  const stdout = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--phase', phase, '--dir', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(stdout) as Measure;
}

if (args.phase) {
  process.stdout.write(JSON.stringify(await runPhase(args.phase, args.dir!)));
} else {
  const dir = mkdtempSync(path.join(tmpdir(), 'recsys-bench-data-'));
  try {
    const synth = measureInChild('synth', dir);
    const prepare = measureInChild('prepare', dir);
    const pass = prepare.seconds <= PREPARE_TARGET_SECONDS;
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({ shape: SHAPE, synth, prepare, target_prepare_seconds: PREPARE_TARGET_SECONDS, pass })}\n`,
      );
    } else {
      const line = (name: string, m: Measure) =>
        `${name.padEnd(10)} ${m.seconds.toFixed(2).padStart(6)} s wall  ${m.cpu_seconds.toFixed(2).padStart(6)} s CPU   peak RSS ${m.peak_rss_mb.toFixed(0).padStart(5)} MB`;
      console.log(
        `data: ${SHAPE.interactions.toLocaleString('en')} interactions, ${SHAPE.users} users × ${SHAPE.items} movies (ML-1M shape)`,
      );
      console.log(line('synthesise', synth));
      console.log(line('prepare', prepare));
      console.log(`target: prepare <= ${PREPARE_TARGET_SECONDS} s ... ${pass ? 'PASS' : 'FAIL'}`);
    }
    process.exitCode = pass ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
