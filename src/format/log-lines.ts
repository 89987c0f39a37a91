// A logger's lines (docs/FORMAT.md section 5): the one definition the logger writes them by and
// the exporters read them by. A line is an event whose SCHEMA has the key `log` (its logger
// level) and whose first field after the span context is the message.

/** The field holding a line's message: always its first (after the span context). */
export const MESSAGE_FIELD = 'msg'

/** The field of a line logged in a withCorrelation() scope: its id, after the message. */
export const CORRELATION_FIELD = 'correlationId'
