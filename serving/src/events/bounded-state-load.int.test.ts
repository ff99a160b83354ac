import { tempDir } from '@recsys/core/testing/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { boundedStateLoad } from '../../test/bounded-state-load.ts';

/**
 * The CI-sized run of `bench/bounded-state.ts` (100,000 events from 20,000 users), asserting the behaviour that
 * keeps restart cheap rather than a wall-clock limit: the restart restores the snapshot and replays nothing, and
 * /ready answers only once that is done. The 3 s restart and 400 MB RSS targets are the bench's (it prints the load
 * average beside them).
 */
describe('bounded state under 100,000 posted events', () => {
  const temp = tempDir('recsys-bounded-load-');
  afterAll(() => temp.cleanup());

  it('a restart restores the snapshot without replaying the log, state intact', async () => {
    const { said_when_ready: said, ...figures } = await boundedStateLoad(temp.dir, 100_000, 20_000);
    console.log(JSON.stringify(figures));
    // Ready only after the fold-in state was in, and nothing beyond the (empty) log tail was replayed.
    expect(said).toMatch(/fold-in state restored in \d+ ms \(0 events from the log tail; 20000 users\)/);
    expect(figures.source_after_restart).toBe('fold_in');
  });
});
