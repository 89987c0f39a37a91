// What a trace reader yields. One `TraceThread` object is shared by every item of its stream, so
// identity comparison tells streams (and a stream id reused by a later process appending to the
// same file) apart.

export interface TraceThread {
  readonly id: number
  readonly name: string
  readonly isMainThread: boolean
}

export type TypedArrayValue =
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array | Float32Array | Float64Array

/**
 * bool: boolean; 8 to 32-bit integers and floats: number; i64/u64: bigint; str and guid: string;
 * binary: Uint8Array; arrays: typed arrays.
 */
export type FieldValue = boolean | number | bigint | string | TypedArrayValue

export interface TraceEvent {
  kind: 'event'
  name: string
  /** Nanoseconds since the Unix epoch. */
  timestampNs: bigint
  /** Milliseconds since the Unix epoch (a float: sub-millisecond digits are kept). */
  time: number
  stream: number
  thread: TraceThread
  level: number
  keyword: bigint
  opcode: number
  eventId: number
  seq: number
  fields: Record<string, FieldValue>
  /** Fields whose value was cut at the tracer's size cap; absent when none was. */
  truncated?: string[]
  /**
   * Of a correlated event (TracerOptions.correlate) traced inside a span: that span's trace id
   * (32 lowercase hex digits) and span id (16), as OTLP and W3C trace context write them. Absent
   * for an event traced outside any span, and for events not correlated.
   */
  traceId?: string
  spanId?: string
}

/**
 * Events the trace does not contain. From an in-band LOST record (ringFull, invalid, byEvent and
 * the time of the record) or from a LOSS chunk (overwritten, no time).
 */
export interface TraceLost {
  kind: 'lost'
  stream: number
  thread: TraceThread
  /** ringFull + invalid + overwritten + unwritten. */
  count: number
  ringFull: number
  invalid: number
  overwritten: number
  /** Events the writer could not put in the file (a write error, or corrupt ring bytes it skipped): LOSS reason 2. */
  unwritten: number
  /** Per event name, when the producer could tell (at most 32 names per record). */
  byEvent?: Record<string, number>
  timestampNs?: bigint
  time?: number
}

export type TraceItem = TraceEvent | TraceLost

export interface ReadTraceOptions {
  /**
   * Decode field values (default true). Without them every event's `fields` is the same empty
   * object, which makes counting passes over large files several times faster.
   */
  decodeFields?: boolean
  /** Bytes asked of the file per read (default 1 MiB); the buffer grows for larger chunks. */
  readBytes?: number
}
