/**
 * Stored idempotency keys of posted events. Both live inside the namespace of the API key that sent the event, so no
 * key holder can claim an id another will use (that client's later event would be dropped as a "duplicate").
 */

/**
 * A client's own `event_id`, stored as `<key id> <event_id>`. The space is outside what clients may send (printable
 * ASCII, no spaces) and outside the defaults, so it equals no id stored before ids were scoped, nor any default.
 */
export function clientEventId(keyId: string, eventId: string): string {
  return `${keyId} ${eventId}`;
}

/** The id of an event sent without one: `<key id>:<X-Request-Id>#<index in the batch>`. */
export function defaultEventId(keyId: string, requestId: string, index: number): string {
  return `${keyId}:${requestId}#${index}`;
}
