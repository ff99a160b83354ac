import { closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.ts';
import { EventLog, type EventRow } from './event-log.ts';
import { readEventLogs } from './read.ts';

const scratch = tempDir('recsys-read-');
afterAll(() => scratch.cleanup());

function events(count: number, from: number): EventRow[] {
  return Array.from({ length: count }, (_, i) => ({
    request_id: `r${from + i}`,
    received_at: from + i,
    user_id: 1 + (i % 50),
    movie_id: 1 + (i % 300),
    rating: 4,
    timestamp: 900_000_000 + i,
    in_model: true,
    model_version: 'v1',
  }));
}

function writeLog(file: string, rows: EventRow[]): void {
  const log = new EventLog(file);
  log.append(rows);
  log.close();
}

describe('reading event logs', () => {
  it('keeps the rows before a damaged page, reports the file, and never moves it (a live writer may own it)', () => {
    const dir = path.join(scratch.dir, 'damaged');
    mkdirSync(dir);
    const good = path.join(dir, 'events-20261201T000000Z-a-1.sqlite');
    const damaged = path.join(dir, 'events-20261202T000000Z-b-2.sqlite');
    const garbled = path.join(dir, 'events-20261203T000000Z-c-3.sqlite');
    writeLog(good, events(10, 1));
    writeLog(damaged, events(3000, 100));
    writeLog(garbled, events(5, 10_000));
    // The table's last pages (the newest rows, the index pages after them) overwritten with garbage.
    const fd = openSync(damaged, 'r+');
    const size = statSync(damaged).size;
    writeSync(fd, Buffer.alloc(size / 2, 0xa5), 0, size / 2, size / 2);
    closeSync(fd);
    writeFileSync(garbled, 'not a database'.repeat(400));

    const read = readEventLogs(dir);
    expect(read.problems).toEqual([]);
    expect(read.damaged.map((d) => path.basename(d.file))).toEqual([path.basename(damaged), path.basename(garbled)]);
    const salvaged = read.damaged[0]?.rows_read ?? 0;
    expect(salvaged).toBeGreaterThan(0);
    expect(salvaged).toBeLessThan(3000);
    expect(read.rows).toHaveLength(10 + salvaged);
    expect(read.rows.map((r) => r.received_at)).toEqual([...read.rows.map((r) => r.received_at)].sort((a, b) => a - b));
    for (const file of [damaged, garbled]) expect(existsSync(file)).toBe(true);
    expect(existsSync(path.join(dir, 'quarantine'))).toBe(false);
  });
});
