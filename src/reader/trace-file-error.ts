// The one error a trace reader throws for a file it cannot read on: it names the chunk where
// reading stopped and how much was read before it, because everything before that point has
// already been handed to the caller.

export type TraceFileErrorCode =
  | 'BAD_MAGIC'
  | 'BAD_VERSION'
  | 'BAD_TAG'
  | 'BAD_LENGTH'
  | 'BAD_CRC'
  | 'TRUNCATED'
  | 'BAD_METADATA'
  | 'BAD_SCHEMA'
  | 'BAD_RECORD'
  | 'UNKNOWN_STREAM'
  | 'UNKNOWN_EVENT'
  | 'SEQUENCE_GAP'

const PROBLEMS: Record<TraceFileErrorCode, string> = {
  BAD_MAGIC: 'not a ringtrace file',
  BAD_VERSION: 'unsupported format version',
  BAD_TAG: 'damaged chunk',
  BAD_LENGTH: 'damaged chunk',
  BAD_CRC: 'damaged chunk',
  TRUNCATED: 'file ends inside the chunk',
  BAD_METADATA: 'damaged chunk',
  BAD_SCHEMA: 'unreadable schema',
  BAD_RECORD: 'damaged record in the chunk',
  UNKNOWN_STREAM: 'chunk for an unannounced stream',
  UNKNOWN_EVENT: 'record of an undeclared event',
  SEQUENCE_GAP: 'events missing (sequence gap) in the chunk',
}

export class TraceFileError extends Error {
  override readonly name = 'TraceFileError'

  constructor(
    readonly code: TraceFileErrorCode,
    /** File offset of the chunk where reading stopped. */
    readonly offset: number,
    readonly detail: string,
    /** Events yielded before the damage. */
    readonly eventsRead: number,
  ) {
    super(`${damageText(code, offset, detail)}; ${eventsRead} event${eventsRead === 1 ? ' was' : 's were'} read before it`)
  }
}

/**
 * What the chunk and record decoders throw: they know where and why, only the reader knows how
 * many events were yielded, so it turns this into a TraceFileError. An Error all the same, with
 * the message less the count, for code that frames chunks without a reader (chunksIn).
 */
export class TraceDamage extends Error {
  override readonly name = 'TraceDamage'

  constructor(
    readonly code: TraceFileErrorCode,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(damageText(code, offset, detail))
  }
}

function damageText(code: TraceFileErrorCode, offset: number, detail: string): string {
  return `ringtrace: ${PROBLEMS[code]} at offset ${offset} (${detail})`
}

/** Controls, DEL, C1 and bidirectional overrides: what JSON.stringify leaves raw but a terminal obeys. */
const UNSAFE = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
const SHOWN_CHARS = 60

/**
 * A value from the file as it appears in an error message: quoted, escaped and cut short, so
 * that a hostile name can neither flood nor steer the terminal the message is printed on.
 */
export function shown(value: unknown): string {
  const text = (JSON.stringify(value) ?? String(value)).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text
}
