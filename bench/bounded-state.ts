/**
 * Bounded fold-in state (issue 16): 1,000,000 posted events from 200,000 distinct users against the real
 * `recsys serve` (rate limits off, ML-1M-shaped bundle), then a restart on the same logs.
 * Targets: RSS <= 400 MB after the load, restart-to-ready <= 3 s.
 * Usage: node bench/bounded-state.ts [--events 1000000] [--users 200000] [--json]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { tempDir } from '../core/src/testing/fixtures.ts';
import { BOUNDED_STATE_TARGETS, boundedStateLoad } from '../serving/test/bounded-state-load.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '200000' },
    json: { type: 'boolean', default: false },
  },
});
const temp = tempDir('recsys-bench-bounded-');
try {
  const figures = await boundedStateLoad(temp.dir, Number(args.events), Number(args.users));
  const load = loadavg()[0].toFixed(1);
  const rssOk = figures.rss_mb <= BOUNDED_STATE_TARGETS.rss_mb;
  const restartOk = figures.restart_to_ready_s <= BOUNDED_STATE_TARGETS.restart_to_ready_s;
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ ...figures, load_average: Number(load), targets: BOUNDED_STATE_TARGETS })}\n`,
    );
  } else {
    console.log(
      `${figures.events.toLocaleString('en')} events from ${figures.users.toLocaleString('en')} users posted in ${figures.post_seconds.toFixed(1)} s (load average ${load}: an upper bound when the machine is shared)`,
    );
    console.log(
      `RSS after the load  ${figures.rss_mb.toFixed(0)} MB (peak ${figures.peak_rss_mb.toFixed(0)} MB)  target <= ${BOUNDED_STATE_TARGETS.rss_mb} MB  ${rssOk ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `restart-to-ready    ${figures.restart_to_ready_s.toFixed(2)} s (RSS then ${figures.rss_after_restart_mb.toFixed(0)} MB, last user's list: ${figures.source_after_restart})  target <= ${BOUNDED_STATE_TARGETS.restart_to_ready_s} s  ${restartOk ? 'PASS' : 'FAIL'}`,
    );
  }
  if (!rssOk || !restartOk || figures.source_after_restart !== 'fold_in') process.exitCode = 1;
} finally {
  temp.cleanup();
}
