import { DataError } from './errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** MovieLens 100K and 1M are Latin-1, the "latest" archives UTF-8: try UTF-8 strictly, fall back to Latin-1. */
export function decodeText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Calls `visit(line, lineNumber)` for every non-blank line, without the line ending (LF or CRLF).
 * Line numbers are 1-based and count blank lines, so errors point at the line an editor shows.
 */
export function forEachLine(text: string, visit: (line: string, lineNumber: number) => void): number {
  let start = 0;
  let lineNumber = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNumber++;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (stop > start && !isBlank(text, start, stop)) visit(text.slice(start, stop), lineNumber);
    start = end + 1;
  }
  return lineNumber;
}

/** Bytes decoded at a time: a 25M-rating file is larger than the longest string V8 can hold (512 MiB). */
const CHUNK_BYTES = 1 << 26;

/**
 * `forEachLine` over a file's bytes, decoded a chunk of whole lines at a time (chunks end at a newline byte, which
 * is the same in UTF-8 and Latin-1); line numbers run on across chunks.
 */
export function forEachLineOfBytes(
  bytes: Uint8Array,
  visit: (line: string, lineNumber: number) => void,
  chunkBytes = CHUNK_BYTES,
): void {
  let lines = 0;
  for (let start = 0; start < bytes.length; ) {
    let end = Math.min(bytes.length, start + chunkBytes);
    if (end < bytes.length) {
      const newline = bytes.lastIndexOf(10, end - 1);
      // A line longer than a chunk takes the chunk on to its end.
      const next = newline >= start ? newline : bytes.indexOf(10, end);
      end = next < 0 ? bytes.length : next + 1;
    }
    const offset = lines;
    lines += forEachLine(decodeText(bytes.subarray(start, end)), (line, n) => visit(line, offset + n));
    start = end;
  }
}

function isBlank(text: string, start: number, stop: number): boolean {
  for (let c = start; c < stop; c++) {
    const code = text.charCodeAt(c);
    if (code !== 32 && code !== 9 && code !== 13) return false;
  }
  return true;
}

/** A non-negative decimal integer field, or NaN when the text is anything else (empty, sign, exponent, spaces). */
export function parseNatural(text: string, from = 0, to = text.length): number {
  if (to <= from) return Number.NaN;
  let value = 0;
  for (let c = from; c < to; c++) {
    const digit = text.charCodeAt(c) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** A plain decimal number ("4", "3.5", "-1"), or NaN when the text is anything else. */
export function parseDecimal(text: string, from = 0, to = text.length): number {
  const field = text.slice(from, to);
  return /^-?\d+(\.\d+)?$/.test(field) ? Number(field) : Number.NaN;
}

/** Splits one CSV record (RFC 4180 quoting: "a, b" and doubled "" inside quotes). Returns null on a broken quote. */
export function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    if (line.charCodeAt(at) === 34) {
      let value = '';
      let c = at + 1;
      for (;;) {
        const close = line.indexOf('"', c);
        if (close < 0) return null;
        value += line.slice(c, close);
        if (line.charCodeAt(close + 1) === 34) {
          value += '"';
          c = close + 2;
          continue;
        }
        c = close + 1;
        break;
      }
      fields.push(value);
      if (c === line.length) return fields;
      if (line.charCodeAt(c) !== 44) return null;
      at = c + 1;
    } else {
      const comma = line.indexOf(',', at);
      if (comma < 0) {
        fields.push(line.slice(at));
        return fields;
      }
      fields.push(line.slice(at, comma));
      at = comma + 1;
    }
  }
}

/** The year in a MovieLens title: the last "(1995)" (or "(2007-)" for a series); null when there is none. */
export function yearFromTitle(title: string): number | null {
  let year: number | null = null;
  for (const match of title.matchAll(/\((\d{4})(?:[-–]\d{0,4})?\)/g)) year = Number(match[1]);
  return year;
}

export function malformed(file: string, line: number, expected: string, got: string): DataError {
  const shown = got.length > 80 ? `${got.slice(0, 77)}...` : got;
  return new DataError(`expected ${expected}, got ${JSON.stringify(shown)}`, { file, line });
}
