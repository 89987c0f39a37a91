// The live stream (binding.d.ts, openLiveStream): an export worker's queue of the chunks the
// collector (native) or the ring consumer (TS) makes. What is taken is a valid trace file: for a
// ring with a file sink, byte for byte the file; under a small budget EVENTS chunks are dropped
// whole and counted exactly; a ring without a file exports too; END comes at closeRing; bad
// arguments throw as the addon throws them. Both backends, through the binding of a real tracer.

import { readFileSync, writeFileSync } from 'node:fs'
import { threadId } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import type { NativeBinding } from '../binding.js'
import { selectBackend, type BackendName } from '../src/backend/select-backend.js'
import { encodeFileChunk, encodeJsonChunk } from '../src/format/chunk.js'
import { CHUNK_HEADER_BYTES, ChunkType } from '../src/format/file-layout.js'
import { alignUp } from '../src/format/layout.js'
import { summarizeTrace } from '../src/reader/index.js'
import { t } from '../src/schema/field-type-tokens.js'
import { createTracer, type Tracer } from '../src/tracer.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const MiB = 1 << 20

/** The types of the whole chunks in `bytes`; fails on bytes that do not end at a chunk boundary. */
function chunkTypes(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const types: number[] = []
  let at = 0
  while (at < bytes.length) {
    types.push(view.getUint16(at + 4, true))
    at += CHUNK_HEADER_BYTES + alignUp(view.getUint32(at + 8, true), 8)
  }
  expect(at).toBe(bytes.length)
  return types
}

/** The first two chunks of a trace file, as bytes: its FILE and STREAM chunks. */
function leadingChunks(path: string): Uint8Array[] {
  const bytes = new Uint8Array(readFileSync(path))
  const view = new DataView(bytes.buffer)
  const chunks: Uint8Array[] = []
  for (let at = 0, i = 0; i < 2; i++) {
    const end = at + CHUNK_HEADER_BYTES + alignUp(view.getUint32(at + 8, true), 8)
    chunks.push(bytes.slice(at, end))
    at = end
  }
  return chunks
}

/** Everything queued, `maxBytes` at a time; each take is checked to be whole chunks in a buffer of its own. */
function takeAll(binding: NativeBinding, liveId: number, maxBytes: number): Uint8Array {
  const parts: Uint8Array[] = []
  for (let part = binding.takeLiveChunks(liveId, maxBytes); part !== null; part = binding.takeLiveChunks(liveId, maxBytes)) {
    expect({ byteOffset: part.byteOffset, bufferBytes: part.buffer.byteLength }).toEqual({ byteOffset: 0, bufferBytes: part.length })
    const types = chunkTypes(part)
    if (types.length > 1) expect(part.length).toBeLessThanOrEqual(maxBytes)
    parts.push(part)
  }
  return new Uint8Array(Buffer.concat(parts))
}

/** Writes the taken bytes as a trace file, for the reader. */
function asTraceFile(bytes: Uint8Array, name: string): string {
  const path = tracePath(name)
  writeFileSync(path, bytes)
  return path
}

/** A FILE and a STREAM chunk for a tracer without a file (the tracer makes them for its file). */
function exportOnlyChunks(tracer: Tracer): { fileChunk: Uint8Array; streamChunk: Uint8Array } {
  return {
    fileChunk: encodeFileChunk({ provider: tracer.provider, pid: process.pid, hostname: 'test', monoNs: '0', wallNs: '0', createdBy: 'ringtrace test' }),
    streamChunk: encodeJsonChunk(ChunkType.Stream, {
      stream: tracer.stream, threadId, threadName: 'main', isMainThread: true, originMonoNs: '0', ringBytes: 1 << 22, onFull: 'discard', backend: tracer.backend,
    }),
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}

function bindingOf(backend: BackendName): NativeBinding {
  return selectBackend(backend).binding
}

/**
 * A tracer with a trace file, and a live stream attached to its ring as an exporter would attach
 * it: opened with the file's own FILE chunk and given its STREAM chunk, so the two get the same
 * bytes.
 */
function tracerWithLiveStream(backend: BackendName, provider: string, budgetBytes: number) {
  const file = tracePath(provider)
  const tracer = createTracer({ provider, backend, file, flushIntervalMs: 0, ringBytes: 1 << 22 })
  tracer.flush()
  const binding = bindingOf(backend)
  const [fileChunk, streamChunk] = leadingChunks(file)
  const liveId = binding.openLiveStream(fileChunk!, budgetBytes)
  binding.attachLiveStream(tracer.stream, liveId, streamChunk!)
  return { file, tracer, binding, liveId }
}

describe.each(BACKENDS)('the live stream (%s backend)', (backend) => {
  it('carries the bytes the file gets, chunk for chunk, and decodes to the same events', async () => {
    const { file, tracer, binding, liveId } = tracerWithLiveStream(backend, 'Test.Live', 64 * MiB)
    const trace = tracer.event('E', [['i', t.u32], ['s', t.str]])
    for (let i = 0; i < 5000; i++) {
      trace(i, `event ${i}`)
      if (i % 1000 === 999) tracer.flush()
    }
    const late = tracer.event('Late', [['x', t.f64]])
    late(1.5)
    await tracer.close()

    const live = takeAll(binding, liveId, 4096)
    expect(Buffer.from(live).equals(readFileSync(file))).toBe(true)
    const types = chunkTypes(live)
    expect([types.slice(0, 3), types.at(-1)]).toEqual([[ChunkType.File, ChunkType.Stream, ChunkType.Schema], ChunkType.End])
    const liveFile = asTraceFile(live, 'live-taken')
    const events = await readEvents(liveFile)
    expect(events.filter((e) => e.name === 'E').map((e) => e.fields.i)).toEqual(range(0, 5000))
    expect(events).toEqual(await readEvents(file))
    expect(binding.liveStreamStats(liveId)).toEqual({ queuedBytes: 0, takenBytes: live.length, droppedChunks: 0, droppedBytes: 0, droppedEvents: 0 })
    binding.closeLiveStream(liveId)
  })

  it('drops whole EVENTS chunks over its budget and counts exactly the events it did not queue', async () => {
    const { file, tracer, binding, liveId } = tracerWithLiveStream(backend, 'Test.LiveBudget', MiB)
    const trace = tracer.event('E', [['i', t.u32], ['s', t.str]])
    const padding = 'x'.repeat(200)
    // Nothing is taken meanwhile: ~2.4 MB of records against a 1 MiB budget.
    const total = 10_000
    for (let i = 0; i < total; i++) {
      trace(i, padding)
      if (i % 500 === 499) tracer.flush()
    }
    tracer.flush()
    const { liveDropped, liveDroppedLost, delivered } = binding.ringStats(tracer.stream)
    await tracer.close()

    const taken = (await readEvents(asTraceFile(takeAll(binding, liveId, MiB), 'live-budget-taken'))).map((e) => e.fields.i as number)
    const stats = binding.liveStreamStats(liveId)
    expect(taken.length).toBeGreaterThan(0)
    expect({ liveDropped, liveDroppedLost, delivered, droppedEvents: stats.droppedEvents }).toEqual({
      liveDropped: total - taken.length, liveDroppedLost: 0, delivered: total, droppedEvents: total - taken.length,
    })
    expect(stats.droppedChunks).toBeGreaterThan(0)
    // What was queued is whole chunks, in order; the file has everything.
    expect(taken).toEqual([...taken].sort((a, b) => a - b))
    expect((await readEvents(file)).map((e) => e.fields.i)).toEqual(range(0, total))
    binding.closeLiveStream(liveId)
  })

  it('exports a ring that has no file sink', async () => {
    const tracer = createTracer({ provider: 'Test.LiveOnly', backend, ringBytes: 1 << 22 })
    const binding = bindingOf(backend)
    const { fileChunk, streamChunk } = exportOnlyChunks(tracer)
    const liveId = binding.openLiveStream(fileChunk, 16 * MiB)
    binding.attachLiveStream(tracer.stream, liveId, streamChunk)
    const trace = tracer.event('E', [['i', t.u32]])
    for (let i = 0; i < 3000; i++) trace(i)
    await tracer.close()

    const liveFile = asTraceFile(takeAll(binding, liveId, MiB), 'live-only')
    expect((await readEvents(liveFile)).map((e) => e.fields.i)).toEqual(range(0, 3000))
    expect(await summarizeTrace(liveFile)).toMatchObject({ events: 3000, lost: 0, written: 3000, balanced: true })
    binding.closeLiveStream(liveId)
  })

  it('queues END when the ring closes, and lets a ring outlive a stream closed before it', async () => {
    const tracer = createTracer({ provider: 'Test.LiveClose', backend, ringBytes: 1 << 22 })
    const other = createTracer({ provider: 'Test.LiveClose', backend, ringBytes: 1 << 22 })
    const binding = bindingOf(backend)
    const { fileChunk, streamChunk } = exportOnlyChunks(tracer)
    const liveId = binding.openLiveStream(fileChunk, MiB)
    binding.attachLiveStream(tracer.stream, liveId, streamChunk)
    binding.attachLiveStream(other.stream, liveId, exportOnlyChunks(other).streamChunk)
    const trace = tracer.event('E', [['i', t.u32]])
    trace(1)
    await tracer.close()
    const types = chunkTypes(takeAll(binding, liveId, MiB))
    expect(types.filter((type) => type === ChunkType.End)).toHaveLength(1)
    expect(types.at(-1)).toBe(ChunkType.End)

    const traceOther = other.event('E', [['i', t.u32]])
    traceOther(2)
    binding.closeLiveStream(liveId)
    traceOther(3)
    other.flush()
    await other.close()
    binding.closeLiveStream(liveId)
    expect(other.stats()).toMatchObject({ written: 2, delivered: 2, lost: 0 })
    expect(() => binding.takeLiveChunks(liveId, MiB)).toThrow(RangeError)
  })

  it('rejects bad arguments with the TypeError or RangeError code the addon uses', async () => {
    const tracer = createTracer({ provider: 'Test.LiveArgs', backend })
    const binding = bindingOf(backend)
    const { fileChunk, streamChunk } = exportOnlyChunks(tracer)
    const liveId = binding.openLiveStream(fileChunk, MiB)
    const unattached = binding.createRing(4096, false)
    const outcome = (call: () => unknown): { name: string; code: unknown } | 'ok' => {
      try {
        call()
        return 'ok'
      } catch (error) {
        return { name: (error as Error).name, code: (error as { code?: unknown }).code }
      }
    }
    const bad = (name: string, code: string) => ({ name, code })
    const typeError = bad('TypeError', 'ERR_INVALID_ARG_TYPE')
    const rangeError = bad('RangeError', 'ERR_OUT_OF_RANGE')
    const stateError = bad('Error', 'ERR_RINGTRACE_STATE')
    const asAny = binding as unknown as Record<string, (...args: unknown[]) => unknown>
    const cases: [string, () => unknown, ReturnType<typeof outcome>][] = [
      ['open: a chunk that is no Uint8Array', () => asAny.openLiveStream!('x', MiB), typeError],
      ['open: a budget that is no number', () => asAny.openLiveStream!(fileChunk, '1048576'), typeError],
      ['open: a budget below 1 MiB', () => binding.openLiveStream(fileChunk, MiB - 1), rangeError],
      ['open: a budget above 1 GiB', () => binding.openLiveStream(fileChunk, 2 ** 30 + 1), rangeError],
      ['open: a fractional budget', () => binding.openLiveStream(fileChunk, MiB + 0.5), rangeError],
      ['attach: an unknown stream', () => binding.attachLiveStream(tracer.stream, 999_999, streamChunk), rangeError],
      ['attach: a chunk that is no Uint8Array', () => asAny.attachLiveStream!(tracer.stream, liveId, 'x'), typeError],
      ['attach: a ring not attached', () => binding.attachLiveStream(unattached.id, liveId, streamChunk), stateError],
      ['attach: the first time', () => binding.attachLiveStream(tracer.stream, liveId, streamChunk), 'ok'],
      ['attach: a second time', () => binding.attachLiveStream(tracer.stream, liveId, streamChunk), stateError],
      ['take: a negative limit', () => binding.takeLiveChunks(liveId, -1), rangeError],
      ['take: a limit that is no number', () => asAny.takeLiveChunks!(liveId, '10'), typeError],
      ['take: an unknown stream', () => binding.takeLiveChunks(999_999, 10), rangeError],
      ['stats: an unknown stream', () => binding.liveStreamStats(999_999), rangeError],
      ['close: an id that is no number', () => asAny.closeLiveStream!('x'), typeError],
      ['close: an unknown stream', () => binding.closeLiveStream(999_999), 'ok'],
    ]
    const results = cases.map(([name, call]) => [name, outcome(call)])
    expect(results).toEqual(cases.map(([name, , expected]) => [name, expected]))
    binding.closeRing(unattached.id)
    binding.closeLiveStream(liveId)
    await tracer.close()
  })
})
