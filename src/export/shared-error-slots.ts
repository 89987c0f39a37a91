// Each exporter's last error, in shared memory the tracer's thread reads at any time, so that
// stats() needs no message from the worker and the worker needs no queue of error messages that
// would grow while nobody asks. One slot per exporter, guarded by a sequence word: the worker
// makes it odd, writes, makes it even; a reader copies the bytes and accepts them only if the
// word was even and unchanged across the copy.

import type { ExporterError } from './http/exporter-counters.js'

const SLOT_BYTES = 1024
const HEADER_WORDS = 2
const TEXT_BYTES = SLOT_BYTES - HEADER_WORDS * 4

export function errorSlotsBytes(exporters: number): number {
  return exporters * SLOT_BYTES
}

export class SharedErrorSlots {
  private readonly words: Int32Array
  private readonly bytes: Uint8Array

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer)
    this.bytes = new Uint8Array(buffer)
  }

  /** Worker side. The message is cut to fit (a receiver's text can be long). */
  write(slot: number, error: ExporterError): void {
    const base = (slot * SLOT_BYTES) >> 2
    const text = new TextEncoder().encode(JSON.stringify({ ...error, message: error.message.slice(0, 200) }))
    // Release/acquire pairing: the odd store before the bytes, the even store after them, both
    // seq-cst Atomics, read back by read() around its copy.
    Atomics.add(this.words, base, 1)
    this.bytes.set(text.subarray(0, TEXT_BYTES), slot * SLOT_BYTES + HEADER_WORDS * 4)
    Atomics.store(this.words, base + 1, Math.min(text.length, TEXT_BYTES))
    Atomics.add(this.words, base, 1)
  }

  /** Reader side: the last error written, or null (none yet, or a write in progress twice in a row). */
  read(slot: number): ExporterError | null {
    const base = (slot * SLOT_BYTES) >> 2
    for (let attempt = 0; attempt < 2; attempt++) {
      const before = Atomics.load(this.words, base)
      if (before === 0) return null
      if ((before & 1) !== 0) continue
      const length = Atomics.load(this.words, base + 1)
      const start = slot * SLOT_BYTES + HEADER_WORDS * 4
      const copy = this.bytes.slice(start, start + length)
      if (Atomics.load(this.words, base) !== before) continue
      try {
        return JSON.parse(new TextDecoder().decode(copy)) as ExporterError
      } catch {
        return null
      }
    }
    return null
  }
}
