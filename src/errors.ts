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

export class TracerError extends Error {
  readonly code: TracerErrorCode

  constructor(code: TracerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TracerError'
    this.code = code
  }
}
