import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { DataError } from './errors.ts';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/**
 * Extracts a zip archive (stored or deflated entries, the kind GroupLens publishes) into `dest` using the central
 * directory, checking each entry's CRC-32. No dependency and no `unzip` binary needed.
 */
export function extractZip(archive: Uint8Array, dest: string, name = 'archive'): string[] {
  const zip = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const broken = (what: string) =>
    new DataError(`not a readable zip archive (${what}); delete it and download again`, { file: name });
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw broken('no end of central directory');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const written: string[] = [];
  for (let e = 0; e < entries; e++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_FILE_HEADER)
      throw broken(`central directory entry ${e}`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;

    const target = path.resolve(dest, entryName);
    if (!target.startsWith(path.resolve(dest) + path.sep))
      throw broken(`entry ${JSON.stringify(entryName)} escapes the target`);
    if (entryName.endsWith('/')) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    if (zip.readUInt32LE(localHeader) !== LOCAL_FILE_HEADER) throw broken(`local header of ${entryName}`);
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const stored = zip.subarray(dataStart, dataStart + compressedSize);
    let content: Uint8Array;
    if (method === 0) content = stored;
    else if (method === 8) content = inflateRawSync(stored);
    else throw broken(`entry ${entryName} uses compression method ${method}; expected stored (0) or deflate (8)`);
    if (crc32(content) !== crc) throw broken(`CRC-32 mismatch in ${entryName}`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    written.push(entryName);
  }
  return written;
}

/** Builds a zip archive of deflated entries; tests use it to serve archives, and it is the inverse of extractZip. */
export function createZip(files: Record<string, Uint8Array | string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [entryName, content] of Object.entries(files)) {
    const raw = typeof content === 'string' ? Buffer.from(content, 'latin1') : Buffer.from(content);
    const packed = deflateRawSync(raw);
    const nameBytes = Buffer.from(entryName, 'utf8');
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_FILE_HEADER, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_FILE_HEADER, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
