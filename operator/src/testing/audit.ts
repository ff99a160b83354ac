import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The fields of an audit.k8s.io/v1 Event that tests look at. */
export interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; subresource?: string };
  responseStatus?: { code?: number };
  annotations?: Record<string, string>;
}

/**
 * Every request at Metadata level (who, verb, object, response code, authorization decision), once it completes;
 * the API server's own loopback traffic is left out to keep the log about the clients under test.
 */
const auditPolicy = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived', 'ResponseStarted'],
  rules: [{ level: 'None', users: ['system:apiserver'] }, { level: 'Metadata' }],
};

export function writeAuditPolicy(file: string): string {
  writeFileSync(file, JSON.stringify(auditPolicy, null, 2));
  return file;
}

/** The audit log's events so far (one JSON object a line; a line still being written is left for the next read). */
export function readAuditEvents(logFile: string): AuditEvent[] {
  if (!existsSync(logFile)) return [];
  const text = readFileSync(logFile, 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEvent);
}
