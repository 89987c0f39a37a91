// `ringtrace export --format chrome|perfetto`: a trace file streamed through a trace encoder
// (ChromeTraceEncoder, PerfettoTraceEncoder), its output handed on as it is produced.

import type { AnalysisItem } from '../analysis/span-events.js'
import type { TraceFileInfo } from '../reader/file-metadata.js'
import { TraceFileError } from '../reader/trace-file-error.js'
import { TraceReader } from '../reader/trace-reader.js'
import type { TextOutput } from './text-output.js'

/** What the export command needs of an encoder: items in, output out as it grows, the rest at the end. */
export interface TraceEncoder {
  add(item: AnalysisItem): void
  take(): string | Uint8Array
  finish(): string | Uint8Array
}

/**
 * Writes `file` through the encoder `make` returns to `out`; returns the damage that stopped
 * reading, if any. `make` gets the file's header (read before the first batch: pid, name, time
 * origin), undefined for a file damaged before it.
 */
export async function writeEncodedTrace(file: string, out: TextOutput, make: (info: TraceFileInfo | undefined) => TraceEncoder): Promise<TraceFileError | undefined> {
  const reader = new TraceReader(file)
  let encoder: TraceEncoder | undefined
  let damage: TraceFileError | undefined
  try {
    for await (const batch of reader.batches()) {
      encoder ??= make(reader.file)
      for (const item of batch) encoder.add(item)
      out.add(encoder.take())
      await out.flushIfFull()
      if (out.gone) return undefined
    }
  } catch (error) {
    if (!(error instanceof TraceFileError)) throw error
    damage = error
  }
  encoder ??= make(reader.file)
  out.add(encoder.finish())
  return damage
}
