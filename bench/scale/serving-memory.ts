/**
 * Memory of one serving replica for an ML-25M-shaped factor bundle: 162,541 users × 59,047 movies × 64 factors with
 * ~77 seen movies per user (12.5M positives) and its usearch indexes, served by the real `recsys serve`. Prints the
 * process's RSS after start and after 2,000 requests on each of /recommend and /similar, beside the bundle's bytes.
 * Goal: <= 1 GiB. Usage: node bench/scale/serving-memory.ts [--json]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tempDir } from '../../core/src/testing/fixtures.ts';
import { startServeProcess } from '../../serving/src/testing/cli-process.ts';
import { call } from '../../serving/src/testing/http.ts';
import { writeCatalogueBundle } from '../../serving/test/catalogue-bundle.ts';

const GOAL_BYTES = 2 ** 30;
const SHAPE = { users: 162_541, items: 59_047, perUser: 77, factors: 64 };
const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
const say = (line: string) => {
  if (!args.json) console.log(line);
};
const load = () => `load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const rssOf = (pid: number) =>
  Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

const temp = tempDir('recsys-serving-memory-');
try {
  const store = path.join(temp.dir, 'store');
  const bundle = await writeCatalogueBundle(store, 'movies', SHAPE, { threads: availableParallelism() });
  const bundleBytes = readdirSync(bundle.dir).reduce((sum, f) => sum + statSync(path.join(bundle.dir, f)).size, 0);
  const server = await startServeProcess(['--store', store, '--version', bundle.version, '--port', '0'], 600_000);
  try {
    const started = rssOf(server.child.pid!);
    for (let i = 0; i < 2000; i++) {
      await call(server.url, 'POST', '/recommend', { user_id: 1 + ((i * 7919) % SHAPE.users), k: 10 });
      await call(server.url, 'POST', '/similar', { movie_ids: [1 + ((i * 104_729) % SHAPE.items)], k: 10 });
    }
    const served = rssOf(server.child.pid!);
    const ok = served <= GOAL_BYTES;
    say(
      `${SHAPE.users} users × ${SHAPE.items} movies × ${SHAPE.factors} factors (bundle ${mib(bundleBytes)} on disk, gate fit included): ` +
        `serving RSS ${mib(started)} after start, ${mib(served)} after 4,000 requests  goal <= 1 GiB ... ${ok ? 'PASS' : 'FAIL'}  (${load()})`,
    );
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({ shape: SHAPE, bundle_bytes: bundleBytes, rss_started: started, rss_served: served, pass: ok })}\n`,
      );
    }
    process.exitCode = ok ? 0 : 1;
  } finally {
    await server.stop('SIGTERM');
  }
} finally {
  temp.cleanup();
}
