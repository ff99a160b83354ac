// The one place trainer reads serving's logs: if the log schema and reader move to core (core/src/logs/), only
// these re-exports change.
export type { EventRow } from '@recsys/serving/logs/event-log';
export { type FileProblem, type LogQuery, readEventLogs, readRequestLogs } from '@recsys/serving/logs/read';
export type { RequestLogRow } from '@recsys/serving/logs/request-log';
