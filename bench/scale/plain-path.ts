/**
 * The plain path a user takes, timed with wrk (closed loop, loopback): `recsys data synth --users 20000 --items 50000
 * --interactions 2000000 --seed 3`, `recsys train --models als --budget 1`, `recsys promote`, `recsys serve --follow`,
 * then `wrk -t2 -c16 -d15s --latency` on POST /similar (random seeds 1..50000) and POST /recommend (random users
 * 1..20000). Target: p99 <= 10 ms on both. Prints the load average beside every figure (latencies on a shared machine
 * are upper bounds). Needs wrk (Debian: apt-get install wrk).
 * Usage: node bench/scale/plain-path.ts [--work DIR] [--seconds 15] [--json]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../core/src/testing/fixtures.ts';
import { startServeProcess } from '../../serving/src/testing/cli-process.ts';

const P99_TARGET_MS = 10;
const { values: args } = parseArgs({
  options: {
    work: { type: 'string', default: path.join(tmpdir(), 'recsys-bench-plain-path') },
    seconds: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
  },
});
const say = (line: string) => {
  if (!args.json) console.log(line);
};
const load = () => `load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;
const recsys = (...command: string[]) =>
  execFileSync(process.execPath, [path.join(repoRoot, 'cli/src/main.ts'), ...command], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });

if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is not installed; apt-get install wrk');
const raw = path.join(args.work, 'raw');
const store = path.join(args.work, 'store');
if (!existsSync(path.join(raw, 'ratings.dat'))) {
  rmSync(raw, { recursive: true, force: true });
  mkdirSync(args.work, { recursive: true });
  recsys(
    'data',
    'synth',
    '--users',
    '20000',
    '--items',
    '50000',
    '--interactions',
    '2000000',
    '--seed',
    '3',
    '--out',
    raw,
  );
}
rmSync(store, { recursive: true, force: true });
const started = performance.now();
const trained = JSON.parse(
  recsys('train', '--data', raw, '--store', store, '--models', 'als', '--budget', '1', '--json'),
) as { version: string };
say(`trained ALS ${trained.version} in ${((performance.now() - started) / 1000).toFixed(0)} s  (${load()})`);
recsys('promote', '--store', store, '--version', trained.version, '--json');

const server = await startServeProcess(['--store', store, '--follow', '--port', '0'], 300_000);
const results: Record<string, unknown> = {};
let pass = true;
try {
  const scripts = {
    similar:
      'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nrequest = function()\n  return wrk.format(nil, nil, nil, string.format(\'{"movie_ids":[%d],"k":10}\', math.random(1, 50000)))\nend\n',
    recommend:
      'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nrequest = function()\n  return wrk.format(nil, nil, nil, string.format(\'{"user_id":%d,"k":10}\', math.random(1, 20000)))\nend\n',
  };
  for (const [endpoint, lua] of Object.entries(scripts)) {
    const script = path.join(args.work, `${endpoint}.lua`);
    writeFileSync(script, lua);
    // Warm up, then measure.
    execFileSync('wrk', ['-t2', '-c16', '-d3s', '-s', script, `${server.url}/${endpoint}`], { encoding: 'utf8' });
    const out = execFileSync(
      'wrk',
      ['-t2', '-c16', `-d${args.seconds}s`, '--latency', '-s', script, `${server.url}/${endpoint}`],
      { encoding: 'utf8' },
    );
    const p99 = latencyMs(/^\s+99%\s+(\S+)$/m.exec(out)?.[1]);
    const p50 = latencyMs(/^\s+50%\s+(\S+)$/m.exec(out)?.[1]);
    const rps = Number(/^Requests\/sec:\s+(\S+)$/m.exec(out)?.[1]);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const ok = p99 <= P99_TARGET_MS;
    pass &&= ok;
    results[endpoint] = { p50_ms: p50, p99_ms: p99, requests_per_second: rps, non_2xx: non2xx, load: loadavg()[0] };
    say(
      `/${endpoint.padEnd(9)} wrk -t2 -c16 ${args.seconds} s: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ${rps.toFixed(0)} req/s, non-2xx ${non2xx} (unknown seeds are 404s)  target p99 <= ${P99_TARGET_MS} ms ... ${ok ? 'PASS' : 'FAIL'}  (${load()})`,
    );
  }
} finally {
  await server.stop('SIGTERM');
}
if (args.json) process.stdout.write(`${JSON.stringify({ results, pass })}\n`);
process.exitCode = pass ? 0 : 1;

/** wrk prints latencies as "812.00us", "3.21ms" or "1.02s". */
function latencyMs(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text ?? '');
  if (!match) return Number.NaN;
  return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
}
