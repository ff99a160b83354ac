/**
 * Stored idempotency keys of posted events. Both live inside the namespace of the API key that sent the event, so no
 * key holder can claim an id another will use (that client's later event would be dropped as a "duplicate").
 */

/**
 * A client's own `event_id`, stored as `<key id> <user id> <event_id>`. The user is in it too because one key can
 * serve many people (the site posts every visitor's likes with its own key, each for that visitor's user only): a
 * visitor's id can then never drop another visitor's event. The space is outside what clients may send (printable
 * ASCII, no spaces) and outside the defaults, so it equals no id stored before ids were scoped, nor any default.
 */
export function clientEventId(keyId: string, userId: number, eventId: string): string {
  return `${keyId} ${userId} ${eventId}`;
}

/** The id of an event sent without one: `<key id>:<X-Request-Id>#<index in the batch>`. */
export function defaultEventId(keyId: string, requestId: string, index: number): string {
  return `${keyId}:${requestId}#${index}`;
}
