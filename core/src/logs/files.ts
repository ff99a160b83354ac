import { hostname } from 'node:os';
import path from 'node:path';

/** One file per serving process (per pod), so replicas sharing a volume never write the same file. */
export type LogKind = 'requests' | 'events';

export function logFileName(kind: LogKind, now = new Date()): string {
  const host = hostname().replace(/[^A-Za-z0-9-]/g, '_');
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${kind}-${stamp}-${host}-${process.pid}.sqlite`;
}

export function isLogFile(kind: LogKind, name: string): boolean {
  return name.startsWith(`${kind}-`) && name.endsWith('.sqlite');
}

export function logFilePath(dir: string, kind: LogKind): string {
  return path.join(dir, logFileName(kind));
}
