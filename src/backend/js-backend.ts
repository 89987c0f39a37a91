// The TS backend: the binding interface (binding.d.ts) implemented in TypeScript, so the tracer
// drives both backends through one contract. Rings are ArrayBuffers with the native layout; a
// timer on the producing thread drains them (the producer and consumer never run at once).

import { threadId } from 'node:worker_threads'
import type { NativeBinding, NativeRing, NativeRingStats } from '../../binding.js'
import { DATA_OFFSET } from '../format/ring-layout.js'
import { RingConsumer } from '../ring/ring-consumer.js'
import { FileSink } from '../sinks/file-sink.js'

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

  openFileSink(path: string, truncate: boolean, fileChunk: Uint8Array): number {
    const id = this.nextSink++
    this.sinks.set(id, FileSink.acquire(path, truncate, fileChunk))
    return id
  }

  attachRing(ringId: number, sinkId: number, _originMonoNs: bigint, streamChunk: Uint8Array): void {
    const ring = this.ring(ringId)
    const sink = sinkId === 0 ? null : this.sinks.get(sinkId) ?? null
    this.sinks.delete(sinkId)
    ring.sink = sink
    sink?.write(streamChunk)
    ring.consumer = new RingConsumer(ring.buffer, ring.capacity, ring.overwrite, ringId,
      sink === null ? null : (chunk) => sink.write(chunk))
    this.startTimer()
  }

  writeChunk(ringId: number, chunk: Uint8Array): void {
    const ring = this.ring(ringId)
    ring.consumer?.drain()
    ring.sink?.write(chunk)
  }

  flush(ringId: number): void {
    this.ring(ringId).consumer?.drain()
  }

  closeRing(ringId: number): void {
    const ring = this.rings.get(ringId)
    if (ring === undefined || ring.closed) return
    ring.closed = true
    if (ring.consumer !== null) {
      ring.consumer.drain(true)
      for (const chunk of ring.consumer.closingChunks()) ring.sink?.write(chunk)
    }
    ring.sink?.release()
    this.rings.delete(ringId)
    if (this.rings.size === 0 && this.timer !== null) {
      clearInterval(this.timer)
      this.timer = null
    }
  }

  ringStats(ringId: number): NativeRingStats {
    const consumer = this.ring(ringId).consumer
    return consumer === null
      ? { delivered: 0, lostRingFull: 0, lostInvalid: 0, lostOverwritten: 0, bytes: 0, etwDropped: 0, etwWriteErrors: 0 }
      : { ...consumer.stats }
  }

  /** Test hook: the timer skips draining until this many ms passed since its last drain. */
  setDrainDelay(micros: number): void {
    this.drainDelayMs = micros / 1000
  }

  monotonicNs(): bigint {
    return process.hrtime.bigint()
  }

  private startTimer(): void {
    if (this.timer !== null) return
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
