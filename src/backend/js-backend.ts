// The TS backend: the binding interface (binding.d.ts) implemented in TypeScript, so the tracer
// drives both backends through one contract. Rings are ArrayBuffers with the native layout; a
// timer on the producing thread drains them (the producer and consumer never run at once).
// Sink errors never throw from the timer: the consumer counts what could not be written, and
// flush() (called by the app) reports the error once.

import { constants } from 'node:os'
import { threadId } from 'node:worker_threads'
import { getSystemErrorMap } from 'node:util'
import type { BindingTestHooks, NativeBinding, NativeLiveStreamStats, NativeRing, NativeRingStats } from '../../binding.js'
import { DATA_OFFSET } from '../format/ring-layout.js'
import { TracerError } from '../errors.js'
import { emptyRingStats, RingConsumer } from '../ring/ring-consumer.js'
import { DEFAULT_FILE_PERMISSIONS, FileSink, type FileAccess } from '../sinks/file-sink.js'
import { LiveStream } from '../sinks/live-stream.js'
import { argRangeError, bytesArg, u32Arg } from './binding-args.js'

/** How often the timer drains each ring. */
export const JS_DRAIN_INTERVAL_MS = 4
/** setDrainDelay()'s bound, the addon's. */
const MAX_DRAIN_DELAY_MICROS = 10_000_000
/** openLiveStream()'s budget bounds, the addon's (native/sinks/live_stream.h). */
const MIN_LIVE_BUDGET_BYTES = 1 << 20
const MAX_LIVE_BUDGET_BYTES = 1 << 30

/** An error as the addon throws it (binding.d.ts): a message and a code. */
function bindingError(code: string, message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code })
}

/**
 * The OS's text for a system error, capitalised as the addon's strerror() text is ("No such file
 * or directory"); else the error's message.
 */
function systemErrorText(error: unknown): string {
  const errno = (error as NodeJS.ErrnoException | null)?.errno
  const text = typeof errno === 'number' ? getSystemErrorMap().get(errno)?.[1] : undefined
  if (text === undefined) return String((error as Error | null)?.message ?? error)
  return text.charAt(0).toUpperCase() + text.slice(1)
}

interface JsRing {
  buffer: ArrayBuffer
  capacity: number
  overwrite: boolean
  consumer: RingConsumer | null
  sink: FileSink | null
  closed: boolean
}

export class JsBackend implements NativeBinding, BindingTestHooks {
  private readonly rings = new Map<number, JsRing>()
  private readonly sinks = new Map<number, FileSink>()
  private readonly liveStreams = new Map<number, LiveStream>()
  private nextRing = 1
  private nextSink = 1
  private nextLive = 1
  private timer: NodeJS.Timeout | null = null
  private drainDelayMicros = 0
  /** performance.now() of the timer's last drain, in ms. */
  private lastDrainMs = 0

  createRing(capacity: number, overwrite: boolean, ringDir?: string): NativeRing {
    if (ringDir !== undefined) {
      // A SharedArrayBuffer cannot be mapped from a file: ring files need the addon's mmap.
      throw bindingError('ERR_RINGTRACE_UNSUPPORTED', 'ring files (ringDir) need the native backend: the TS backend cannot map a file')
    }
    // Stream ids must be unique in a file that several threads share: the thread id in the high
    // bits, a per-thread counter in the low 16.
    const id = ((threadId & 0xffff) * 0x10000 + this.nextRing++) >>> 0
    let buffer: ArrayBuffer
    try {
      buffer = new ArrayBuffer(DATA_OFFSET + capacity)
    } catch (cause) {
      throw bindingError('ERR_RINGTRACE_NO_MEMORY', `Cannot allocate ${DATA_OFFSET + capacity} bytes for a ring`, cause)
    }
    this.rings.set(id, { buffer, capacity, overwrite, consumer: null, sink: null, closed: false })
    return { id, buffer }
  }

  // The flush interval does not apply: every chunk goes to the OS as it is made.
  openFileSink(path: string, truncate: boolean, fileChunk: Uint8Array, permissions = DEFAULT_FILE_PERMISSIONS, followSymlinks = false): number {
    const access: FileAccess = { permissions, followSymlinks }
    let sink: FileSink
    try {
      sink = FileSink.acquire(path, truncate, fileChunk, access)
    } catch (error) {
      // The OS error, as the addon reports it: FileSink wraps it in a TracerError of its own.
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error
      throw bindingError('ERR_RINGTRACE_IO', `cannot open ${path}: ${systemErrorText(cause)}`, cause)
    }
    const id = this.nextSink++
    this.sinks.set(id, sink)
    return id
  }

  releaseFileSink(sinkId: number): void {
    const sink = this.sinks.get(sinkId)
    if (sink === undefined) throw bindingError('ERR_RINGTRACE_STATE', `Sink id ${sinkId} has no unclaimed open`)
    this.sinks.delete(sinkId)
    sink.release()
  }

  attachRing(ringId: number, sinkId: number, _originMonoNs: bigint, streamChunk: Uint8Array): void {
    const ring = this.ring(ringId)
    const sink = sinkId === 0 ? null : this.sinks.get(sinkId) ?? null
    this.sinks.delete(sinkId)
    ring.sink = sink
    sink?.writeKept(streamChunk)
    ring.consumer = new RingConsumer(ring.buffer, ring.capacity, ring.overwrite, ringId, sink)
    this.startTimer()
  }

  writeChunk(ringId: number, chunk: Uint8Array): void {
    const ring = this.ring(ringId)
    ring.consumer?.drain()
    ring.consumer?.writeKept(chunk)
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
    ring.consumer?.close()
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

  openLiveStream(fileChunk: Uint8Array, budgetBytes: number): number {
    bytesArg(fileChunk, 0, 'the FILE chunk')
    const budget = u32Arg(budgetBytes, 1, 'budget in bytes')
    if (budget < MIN_LIVE_BUDGET_BYTES || budget > MAX_LIVE_BUDGET_BYTES) {
      throw argRangeError('Expected second argument to be a budget in bytes from 1048576 (1 MiB) to 1073741824 (1 GiB)')
    }
    const id = this.nextLive++
    this.liveStreams.set(id, new LiveStream(fileChunk, budget))
    return id
  }

  attachLiveStream(ringId: number, liveId: number, streamChunk: Uint8Array): void {
    u32Arg(ringId, 0, 'ring id')
    u32Arg(liveId, 1, 'live stream id')
    bytesArg(streamChunk, 2, 'the STREAM chunk')
    const consumer = this.ring(ringId).consumer
    if (consumer === null) throw bindingError('ERR_RINGTRACE_STATE', `ring ${ringId} is not attached`)
    if (consumer.hasLive) throw bindingError('ERR_RINGTRACE_STATE', `ring ${ringId} already has a live stream`)
    consumer.attachLive(this.liveStream(liveId), streamChunk)
  }

  takeLiveChunks(liveId: number, maxBytes: number): Uint8Array | null {
    u32Arg(liveId, 0, 'live stream id')
    return this.liveStream(liveId).take(u32Arg(maxBytes, 1, 'byte limit'))
  }

  liveStreamStats(liveId: number): NativeLiveStreamStats {
    u32Arg(liveId, 0, 'live stream id')
    return this.liveStream(liveId).stats()
  }

  closeLiveStream(liveId: number): void {
    u32Arg(liveId, 0, 'live stream id')
    this.liveStreams.get(liveId)?.close()
    this.liveStreams.delete(liveId)
  }

  setDrainDelay(micros: number): void {
    if (!Number.isInteger(micros) || micros < 0 || micros > MAX_DRAIN_DELAY_MICROS) {
      throw new RangeError(`Expected first argument to be a delay in microseconds from 0 to ${MAX_DRAIN_DELAY_MICROS} (10 s)`)
    }
    this.drainDelayMicros = micros
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
      if ((now - this.lastDrainMs) * 1000 < this.drainDelayMicros) return
      this.lastDrainMs = now
      for (const ring of this.rings.values()) ring.consumer?.drain()
    }, JS_DRAIN_INTERVAL_MS)
    // The drain timer must not keep a process alive that has nothing else to do.
    this.timer.unref()
  }

  private liveStream(liveId: number): LiveStream {
    const live = this.liveStreams.get(liveId)
    if (live === undefined) throw argRangeError(`Unknown live stream id ${liveId}`)
    return live
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
