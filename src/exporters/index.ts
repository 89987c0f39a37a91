// Trace exporters: decoded items to other tools' formats.

export { ChromeTraceEncoder } from './chrome-trace.js'
export type { ChromeTraceProcess } from './chrome-trace.js'
export { PerfettoTraceEncoder } from './perfetto/perfetto-trace-encoder.js'
export type { PerfettoProcess } from './perfetto/perfetto-trace-encoder.js'
