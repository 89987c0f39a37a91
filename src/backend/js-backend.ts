// The TS backend: the binding interface (binding.d.ts) implemented in TypeScript, so the tracer
// drives both backends through one contract. Rings are ArrayBuffers with the native layout; a
// timer on the producing thread drains them (the producer and consumer never run at once).
// Sink errors never throw from the timer: the consumer counts what could not be written, and
// flush() (called by the app) reports the error once.

import { constants } from 'node:os'
import { threadId } from 'node:worker_threads'
import type { NativeBinding, NativeRing, NativeRingStats } from '../../binding.js'
import { DATA_OFFSET } from '../format/ring-layout.js'
import { TracerError } from '../errors.js'
import { emptyRingStats, RingConsumer } from '../ring/ring-consumer.js'
import { DEFAULT_FILE_PERMISSIONS, FileSink, type FileAccess } from '../sinks/file-sink.js'

/** How often the timer drains each ring. */
export const JS_DRAIN_INTERVAL_MS = 4

interface JsRing {
  buffer: ArrayBuffer
  capacity: number
  overwrite: boolean
  consumer: RingConsumer | null
  sink: FileSink | null
  closed: boolean
}

export class JsBackend implements NativeBinding {
  private readonly rings = new Map<number, JsRing>()
  private readonly sinks = new Map<number, FileSink>()
  private nextRing = 1
  private nextSink = 1
  private timer: NodeJS.Timeout | null = null
  private drainDelayMs = 0
  private lastDrain = 0

  createRing(capacity: number, overwrite: boolean): NativeRing {
    // Stream ids must be unique in a file that several threads share: the thread id in the high
    // bits, a per-thread counter in the low 16.
    const id = ((threadId & 0xffff) * 0x10000 + this.nextRing++) >>> 0
    const buffer = new ArrayBuffer(DATA_OFFSET + capacity)
    this.rings.set(id, { buffer, capacity, overwrite, consumer: null, sink: null, closed: false })
    return { id, buffer }
  }

  // The flush interval does not apply: every chunk goes to the OS as it is made.
  openFileSink(path: string, truncate: boolean, fileChunk: Uint8Array, permissions = DEFAULT_FILE_PERMISSIONS, followSymlinks = false): number {
    const access: FileAccess = { permissions, followSymlinks }
    const id = this.nextSink++
    this.sinks.set(id, FileSink.acquire(path, truncate, fileChunk, access))
    return id
  }

  attachRing(ringId: number, sinkId: number, _originMonoNs: bigint, streamChunk: Uint8Array): void {
    const ring = this.ring(ringId)
    const sink = sinkId === 0 ? null : this.sinks.get(sinkId) ?? null
    this.sinks.delete(sinkId)
    ring.sink = sink
    sink?.writeKept(streamChunk)
    ring.consumer = new RingConsumer(ring.buffer, ring.capacity, ring.overwrite, ringId,
      sink === null ? null : (chunk) => sink.write(chunk))
    this.startTimer()
  }

  writeChunk(ringId: number, chunk: Uint8Array): void {
    const ring = this.ring(ringId)
    ring.consumer?.drain()
    ring.sink?.writeKept(chunk)
  }

  flush(ringId: number): void {
    const ring = this.ring(ringId)
    ring.consumer?.drain()
    throwSinkFailure(ring.sink)
  }

  closeRing(ringId: number): void {
    const ring = this.rings.get(ringId)
    if (ring === undefined || ring.closed) return
    ring.closed = true
    if (ring.consumer !== null) {
      ring.consumer.drain(true)
      for (const chunk of ring.consumer.closingChunks()) ring.sink?.writeKept(chunk)
    }
    ring.sink?.release()
    this.rings.delete(ringId)
    if (this.rings.size === 0 && this.timer !== null) {
      clearInterval(this.timer)
      this.timer = null
    }
    throwSinkFailure(ring.sink)
  }

  ringStats(ringId: number): NativeRingStats {
    const consumer = this.ring(ringId).consumer
    return consumer === null ? emptyRingStats() : { ...consumer.stats }
  }

  /** Test hook: the timer skips draining until this many ms passed since its last drain. */
  setDrainDelay(micros: number): void {
    this.drainDelayMs = micros / 1000
  }

  /** Test hook: every file write fails with this errno (0: off), as the native hook does. */
  setWriteFault(errno: number): void {
    FileSink.writeFault = errno === 0 ? null : (errnoName(errno) ?? `errno ${errno}`)
  }

  monotonicNs(): bigint {
    return process.hrtime.bigint()
  }

  private startTimer(): void {
    if (this.timer !== null) return
    // Never throws into the app: sink errors are counted by the consumer, reported by flush().
    this.timer = setInterval(() => {
      const now = performance.now()
      if (now - this.lastDrain < this.drainDelayMs) return
      this.lastDrain = now
      for (const ring of this.rings.values()) ring.consumer?.drain()
    }, JS_DRAIN_INTERVAL_MS)
    // The drain timer must not keep a process alive that has nothing else to do.
    this.timer.unref()
  }

  private ring(ringId: number): JsRing {
    const ring = this.rings.get(ringId)
    if (ring === undefined) throw new RangeError(`ringtrace: no open ring with id ${ringId}`)
    return ring
  }
}

/** Throws the sink's write error since the last call, if any, as flush() and close() report it. */
function throwSinkFailure(sink: FileSink | null): void {
  const failure = sink?.takeFailure() ?? null
  if (failure !== null) {
    throw new TracerError('SINK_ERROR', `ringtrace: write to ${sink!.path} failed: ${failure.message}`, { cause: failure })
  }
}

function errnoName(errno: number): string | undefined {
  return Object.entries(constants.errno).find(([, value]) => value === errno)?.[0]
}
