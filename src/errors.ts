// The error users see when they configure ringtrace wrongly. The hot path never throws: what it
// cannot write, it counts (docs/FORMAT.md, "Value rules").

export type TracerErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_EVENT_NAME'
  | 'DUPLICATE_EVENT'
  | 'INVALID_FIELDS'
  | 'UNKNOWN_FIELD_TYPE'
  | 'TOO_MANY_FIELDS'
  | 'TOO_MANY_EVENTS'
  | 'BUILDER_STATE'
  | 'NATIVE_UNAVAILABLE'
  | 'ETW_UNSUPPORTED'
  | 'TRACER_CLOSED'
  | 'SINK_ERROR'
  | 'NO_MEMORY'
  | 'CODEGEN_DISALLOWED'
  | 'STORE_UNAVAILABLE'
  | 'STORE_ERROR'

export class TracerError extends Error {
  readonly code: TracerErrorCode

  constructor(code: TracerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TracerError'
    this.code = code
  }
}

/**
 * A bad value as an error message shows it, without running any of its code: String() or
 * JSON.stringify() of an object would call its toString/toJSON or a Proxy's traps, and what
 * they throw would escape instead of the TracerError.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string': return JSON.stringify(value)
    case 'object': return value === null ? 'null' : 'an object'
    case 'function': return 'a function'
    case 'bigint': return `${value}n`
    default: return String(value)
  }
}
