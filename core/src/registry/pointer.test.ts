import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.ts';
import { PRODUCTION_HISTORY, readProductionHistory, readProductionPointer, writeProductionPointer } from './pointer.ts';

describe('the Production pointer and its history', () => {
  let scratch: ReturnType<typeof tempDir>;
  beforeEach(() => {
    scratch = tempDir('recsys-pointer-');
  });
  afterEach(() => scratch.cleanup());
  const history = () => path.join(scratch.dir, 'movies', PRODUCTION_HISTORY);

  it('records each new Production once, newest first, the current one included', () => {
    expect(readProductionHistory(scratch.dir, 'movies')).toEqual([]);
    writeProductionPointer(scratch.dir, 'movies', 'v1');
    writeProductionPointer(scratch.dir, 'movies', 'v2');
    writeProductionPointer(scratch.dir, 'movies', 'v2');
    writeProductionPointer(scratch.dir, 'movies', 'v1');
    expect(readProductionPointer(scratch.dir, 'movies')).toBe('v1');
    expect(readProductionHistory(scratch.dir, 'movies')).toEqual(['v1', 'v2', 'v1']);
    expect(readFileSync(history(), 'utf8')).toBe('v1\nv2\nv1\n');
  });

  it('ignores a last line an interrupted append left without its newline', () => {
    writeProductionPointer(scratch.dir, 'movies', 'v1-20261207');
    appendFileSync(history(), 'v2-2026');
    expect(readProductionHistory(scratch.dir, 'movies')).toEqual(['v1-20261207']);
  });
});
