// The one place trainer reads serving's logs: if the log schema and reader move to core (core/src/logs/), only
// these re-exports change.
export type { EventRow } from '@recsys/core/logs/event-log';
export { type FileProblem, type LogQuery, readEventLogs, readRequestLogs } from '@recsys/core/logs/read';
export type { RequestLogRow } from '@recsys/core/logs/request-log';
