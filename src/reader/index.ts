// Reading .rtrc trace files (docs/FORMAT.md section 3).

export { readTrace, readTraceBatches } from './read-trace.js'
export { summarizeTrace, summarizeTracePrefix } from './summarize-trace.js'
export type { Accounting, PartialSummary, ThreadSummary, TraceSummary } from './summarize-trace.js'
export { TraceReader } from './trace-reader.js'
export type { TraceFileInfo } from './file-metadata.js'
export type { EventSchema, SchemaField } from './event-schema.js'
export type { StreamEnd, StreamState } from './stream-state.js'
export { TraceFileError } from './trace-file-error.js'
export type { TraceFileErrorCode } from './trace-file-error.js'
export type {
  FieldValue, ReadTraceOptions, TraceEvent, TraceItem, TraceLost, TraceThread, TypedArrayValue,
} from './trace-items.js'
