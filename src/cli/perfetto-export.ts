// `ringtrace export --format perfetto --output <path>`: a trace file streamed through
// PerfettoTraceEncoder.

import { PerfettoTraceEncoder } from '../exporters/perfetto/perfetto-trace-encoder.js'
import { TraceFileError } from '../reader/trace-file-error.js'
import { TraceReader } from '../reader/trace-reader.js'
import type { TextOutput } from './text-output.js'

/** Writes the Perfetto trace of `file` to `out`; returns the damage that stopped reading, if any. */
export async function writePerfettoTrace(file: string, out: TextOutput): Promise<TraceFileError | undefined> {
  const reader = new TraceReader(file)
  let encoder: PerfettoTraceEncoder | undefined
  // The FILE chunk, read before the first batch, gives the pid and the name.
  const start = (): PerfettoTraceEncoder => new PerfettoTraceEncoder({ pid: reader.file?.pid ?? 0, name: reader.file?.provider ?? file })
  let damage: TraceFileError | undefined
  try {
    for await (const batch of reader.batches()) {
      encoder ??= start()
      for (const item of batch) encoder.add(item)
      out.add(encoder.take())
      await out.flushIfFull()
      if (out.gone) return undefined
    }
  } catch (error) {
    if (!(error instanceof TraceFileError)) throw error
    damage = error
  }
  encoder ??= start()
  out.add(encoder.finish())
  return damage
}
