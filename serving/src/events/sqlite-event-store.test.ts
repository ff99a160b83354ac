import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import type { EventRow } from '@recsys/core/logs/event-log';
import { logFilePath } from '@recsys/core/logs/files';
import { readEventLogs } from '@recsys/core/logs/read';
import { tempDir } from '@recsys/core/testing/fixtures';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_FILE, SqliteEventStore } from './sqlite-event-store.ts';

const scratch = tempDir('recsys-sqlite-store-');
afterAll(() => scratch.cleanup());

const like = (event_id: string, movie_id: number): EventRow => ({
  event_id,
  request_id: 'r-1',
  received_at: Date.now(),
  user_id: 7,
  movie_id,
  rating: 5,
  timestamp: Math.floor(Date.now() / 1000),
  in_model: true,
  model_version: 'v1',
});

describe('the SQLite event store writes the log and the snapshot in one transaction', () => {
  it('stores nothing when the snapshot write fails after the log write; the retry stores the event once', async () => {
    const dir = mkdtempSync(path.join(scratch.dir, 'store-'));
    const store = SqliteEventStore.open(dir, logFilePath(dir, 'events'));
    await store.restore();
    // The failure between the two steps, injected in the real file: the snapshot refuses the rating the log took.
    const snapshot = new Database(path.join(dir, SNAPSHOT_FILE));
    snapshot.exec(
      "CREATE TRIGGER fail_between BEFORE INSERT ON user_ratings BEGIN SELECT RAISE(ABORT, 'injected: snapshot write failed'); END",
    );
    await expect(store.append([like('e-1', 11)])).rejects.toThrow(/injected: snapshot write failed/);
    // What the 503 says is true: the event is not in the log (the retraining batch) nor in the fold-in state.
    expect(readEventLogs(dir).rows).toEqual([]);
    expect((await store.ratingsOf(7, 10)).ratings).toEqual([]);

    snapshot.exec('DROP TRIGGER fail_between');
    snapshot.close();
    expect(await store.append([like('e-1', 11)])).toMatchObject({ duplicates: 0 });
    expect(await store.append([like('e-1', 11)])).toMatchObject({ stored: [], duplicates: 1 });
    expect(readEventLogs(dir).rows.map((row) => row.event_id)).toEqual(['e-1']);
    expect((await store.ratingsOf(7, 10)).ratings).toEqual([{ movie_id: 11, rating: 5 }]);
    await store.close();
  });
});
