import { describe, expect, it } from 'vitest';
import {
  decodeText,
  forEachLine,
  forEachLineOfBytes,
  parseDecimal,
  parseNatural,
  splitCsvLine,
  yearFromTitle,
} from './text.ts';

describe('text helpers for MovieLens files', () => {
  it('takes the last parenthesised year of a title, or null', () => {
    expect(yearFromTitle('Return of the Jedi (1983)')).toBe(1983);
    expect(yearFromTitle('Shanghai Triad (Yao a yao yao dao waipo qiao) (1995)')).toBe(1995);
    expect(yearFromTitle('Land Before Time III: The Time of the Great Giving (1995) (V)')).toBe(1995);
    expect(yearFromTitle('1776 (1972)')).toBe(1972);
    expect(yearFromTitle('Fawlty Towers (1975-1979)')).toBe(1975);
    expect(yearFromTitle('Babylon 5')).toBeNull();
    expect(yearFromTitle('unknown')).toBeNull();
  });

  it('decodes UTF-8, falls back to Latin-1, and drops a byte-order mark', () => {
    expect(decodeText(Buffer.from('Misérables', 'utf8'))).toBe('Misérables');
    expect(decodeText(Buffer.from('Misérables', 'latin1'))).toBe('Misérables');
    expect(decodeText(Buffer.from('\uFEFFmovieId', 'utf8'))).toBe('movieId');
  });

  it('visits non-blank lines without CR, numbering them as an editor does', () => {
    const seen: [string, number][] = [];
    forEachLine('a\r\n\r\nb\n  \nc', (line, n) => seen.push([line, n]));
    expect(seen).toEqual([
      ['a', 1],
      ['b', 3],
      ['c', 5],
    ]);
  });

  it('parses numbers strictly', () => {
    expect(parseNatural('881250949')).toBe(881250949);
    for (const bad of ['', ' 1', '1e3', '-1', '0x10', '1.0']) expect(parseNatural(bad)).toBeNaN();
    expect(parseDecimal('3.5')).toBe(3.5);
    expect(parseDecimal('4')).toBe(4);
    for (const bad of ['', '3.', '.5', 'NaN', '4 ']) expect(parseDecimal(bad)).toBeNaN();
  });

  it('splits CSV records with quotes, commas and doubled quotes', () => {
    expect(splitCsvLine('11,"American President, The (1995)",Comedy|Drama|Romance')).toEqual([
      '11',
      'American President, The (1995)',
      'Comedy|Drama|Romance',
    ]);
    expect(splitCsvLine('1,"""Great"" Cats (1998)",Musical')).toEqual(['1', '"Great" Cats (1998)', 'Musical']);
    expect(splitCsvLine('1,,')).toEqual(['1', '', '']);
    expect(splitCsvLine('1,"broken,x')).toBeNull();
  });
});

describe('forEachLineOfBytes', () => {
  it('reads a file in chunks of whole lines, numbering lines across chunks as one pass would', () => {
    const text = 'first line\r\n\nsecond\nthird, a longer line than the chunk\nfourth\n';
    const whole: [string, number][] = [];
    forEachLine(text, (line, n) => whole.push([line, n]));
    for (const chunkBytes of [4, 16, 1 << 20]) {
      const chunked: [string, number][] = [];
      forEachLineOfBytes(Buffer.from(text, 'latin1'), (line, n) => chunked.push([line, n]), chunkBytes);
      expect(chunked, `chunks of ${chunkBytes} bytes`).toEqual(whole);
    }
    expect(whole.map(([, n]) => n)).toEqual([1, 3, 4, 5]);
  });
});
