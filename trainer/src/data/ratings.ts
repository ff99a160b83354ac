import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DataError } from './errors.ts';
import type { Layout } from './layout.ts';
import { decodeText, forEachLineOfBytes, malformed, parseDecimal, parseNatural } from './text.ts';

/** Ratings in file order, as parallel typed arrays (no per-row objects: 1M rows must stay cheap). */
export interface Ratings {
  length: number;
  user: Uint32Array;
  movie: Uint32Array;
  rating: Float32Array;
  /** Epoch seconds. */
  time: Float64Array;
  /** 1-based line of each row in the ratings file, so later checks can name it. */
  line: Uint32Array;
}

const formats: Record<Layout, { separator: string; expected: string; header?: string; min: number; step: number }> = {
  'ml-100k': { separator: '\t', expected: '"user id<TAB>item id<TAB>rating<TAB>timestamp"', min: 1, step: 1 },
  'ml-1m': { separator: '::', expected: '"UserID::MovieID::Rating::Timestamp"', min: 1, step: 1 },
  'ml-latest': {
    separator: ',',
    expected: '"userId,movieId,rating,timestamp"',
    header: 'userId,movieId,rating,timestamp',
    min: 0.5,
    step: 0.5,
  },
};

/**
 * Reads and validates every rating line; keeps only rows with rating >= `minRating` (preparation needs positives
 * only, so the negatives of a 25M-row file never take memory).
 */
export function readRatings(
  file: string,
  layout: Layout,
  minRating = 0,
  onProgress?: (done: number, total: number) => void,
): Ratings {
  const format = formats[layout];
  const name = path.basename(file);
  const bytes = readFileSync(file);
  let capacity = Math.max(1024, Math.ceil(bytes.length / 16));
  const estimatedLines = Math.ceil(bytes.length / averageLineLength(decodeText(bytes.subarray(0, 1 << 16))));
  let rows: Ratings = allocate(capacity);
  let length = 0;
  const sep = format.separator;
  forEachLineOfBytes(bytes, (line, lineNumber) => {
    // Progress in lines read of the estimated total, every 2^16 lines (cheap enough for the hot loop).
    if (onProgress && (lineNumber & 0xffff) === 0) onProgress(lineNumber, estimatedLines);
    if (format.header && lineNumber === 1 && line === format.header) return;
    const a = line.indexOf(sep);
    const b = a < 0 ? -1 : line.indexOf(sep, a + sep.length);
    const c = b < 0 ? -1 : line.indexOf(sep, b + sep.length);
    if (c < 0 || line.indexOf(sep, c + sep.length) >= 0)
      throw malformed(name, lineNumber, `4 fields ${format.expected}`, line);
    const user = parseNatural(line, 0, a);
    const movie = parseNatural(line, a + sep.length, b);
    const rating = parseDecimal(line, b + sep.length, c);
    const time = parseNatural(line, c + sep.length, line.length);
    if (!(user > 0) || !(movie > 0) || Number.isNaN(rating) || Number.isNaN(time)) {
      throw malformed(
        name,
        lineNumber,
        `positive integer ids, a numeric rating and an integer timestamp ${format.expected}`,
        line,
      );
    }
    if (rating < format.min || rating > 5 || Math.round(rating / format.step) * format.step !== rating) {
      throw new DataError(`rating ${rating} is out of range; expected ${format.min} to 5 in steps of ${format.step}`, {
        file: name,
        line: lineNumber,
      });
    }
    if (rating < minRating) return;
    if (length === capacity) {
      capacity *= 2;
      rows = grow(rows, capacity);
    }
    rows.user[length] = user;
    rows.movie[length] = movie;
    rows.rating[length] = rating;
    rows.time[length] = time;
    rows.line[length] = lineNumber;
    length++;
  });
  onProgress?.(estimatedLines, estimatedLines);
  return {
    length,
    user: rows.user.slice(0, length),
    movie: rows.movie.slice(0, length),
    rating: rows.rating.slice(0, length),
    time: rows.time.slice(0, length),
    line: rows.line.slice(0, length),
  };
}

function averageLineLength(text: string): number {
  let end = 0;
  let lines = 0;
  while (lines < 1000 && end < text.length) {
    const next = text.indexOf('\n', end);
    if (next < 0) break;
    end = next + 1;
    lines++;
  }
  return lines ? end / lines : Math.max(1, text.length);
}

function allocate(capacity: number): Ratings {
  return {
    length: 0,
    user: new Uint32Array(capacity),
    movie: new Uint32Array(capacity),
    rating: new Float32Array(capacity),
    time: new Float64Array(capacity),
    line: new Uint32Array(capacity),
  };
}

function grow(rows: Ratings, capacity: number): Ratings {
  const next = allocate(capacity);
  next.user.set(rows.user);
  next.movie.set(rows.movie);
  next.rating.set(rows.rating);
  next.time.set(rows.time);
  next.line.set(rows.line);
  return next;
}
