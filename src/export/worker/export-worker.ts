// The export worker: a worker thread per exporting tracer that takes the live stream's chunks,
// decodes them with the trace reader's decoder and hands the items to an ExportRouter, which
// batches, encodes and sends them. Everything an export costs, decoding, encoding, compression
// and HTTP, happens here, never on the tracer's thread.

import { workerData } from 'node:worker_threads'
import { loadNative } from '../../binding.js'
import { chunksIn } from '../../reader/buffer-chunks.js'
import { ChunkDecoder } from '../../reader/chunk-decoder.js'
import type { TraceItem } from '../../reader/trace-items.js'
import { EXPORTER_COUNTER_SLOTS, type ExporterError } from '../http/exporter-counters.js'
import { SharedErrorSlots } from '../shared-error-slots.js'
import { CONTROL_IN_FLIGHT, CONTROL_STATE, PipelineSlot, STATE_DONE, type AlertMessage, type CommandMessage,
  type ExportWorkerData } from '../worker-protocol.js'
import { EXPORT_DECODING, ExportRouter } from './export-router.js'
import { SubscriberSink } from './subscriber-sink.js'

/** How often the worker takes the native live stream and checks batch ages. */
const PUMP_INTERVAL_MS = 10
/** Bytes taken per call; a larger backlog is taken over several turns, so HTTP keeps moving. */
const TAKE_BYTES = 4 << 20
const TAKES_PER_TURN = 4

const data = workerData as ExportWorkerData
const control = new Int32Array(data.control)
const slots = new Float64Array(data.counters)
const router = new ExportRouter(data.config, data.provider, slots, 'drop', (alert, rule) => {
  const message: AlertMessage = { type: 'alert', alert, record: rule.record }
  data.alerts.postMessage(message)
})
const pipeline = slots.subarray(router.names.length * EXPORTER_COUNTER_SLOTS)

const errorSlots = new SharedErrorSlots(data.errors)
/** The error each exporter's slot shows, so a slot is written only when its error changes. */
const shownErrors: (ExporterError | null)[] = router.names.map(() => null)

function showErrors(): void {
  router.counters.forEach((counters, i) => {
    const error = counters.lastError
    if (error !== null && error !== shownErrors[i]) {
      errorSlots.write(i, error)
      shownErrors[i] = error
    }
  })
}

// Gaps: chunks the live stream dropped (counted there, liveDropped) or traced before a late attach.
const decoder = new ChunkDecoder({ ...EXPORT_DECODING, acceptSequenceGaps: true })
const schemaOf = decoder.schemaOf.bind(decoder)
const items: TraceItem[] = []
/** Live stream offset of the next chunk: what decoding errors name. */
let offset = 0
let damaged = false

/** Decodes one buffer of whole chunks. */
function decode(bytes: Uint8Array): void {
  // After damage the rest of the stream is not decoded: every exporter's lastError says why.
  if (damaged) return
  try {
    for (const chunk of chunksIn(bytes, offset)) {
      decoder.take(chunk, items)
      for (;;) {
        router.route(items, schemaOf)
        items.length = 0
        if (!decoder.hasMore) break
        decoder.continue(items)
      }
    }
  } catch (error) {
    // Never expected (the collector frames what it drained itself): a bug. What follows cannot
    // be decoded reliably without the state it broke, so the rest of the stream is left alone.
    damaged = true
    const failure = { message: `the live stream could not be decoded: ${(error as Error).message}`, at: Date.now() }
    router.names.forEach((_, i) => errorSlots.write(i, failure))
  }
  offset += bytes.length
}

function tick(): void {
  router.tick(performance.now())
  showErrors()
  showAlertCounts()
}

/**
 * Plain stores, read by stats() on the tracer's thread without ordering: each is one aligned
 * 8-byte store (x64, arm64), so a read sees the count of this tick or the one before; close()
 * orders the last ones before the done flag (below).
 */
function showAlertCounts(): void {
  const { fired, suppressed } = router.alertCounts
  pipeline[PipelineSlot.AlertsFired] = fired
  pipeline[PipelineSlot.AlertsSuppressed] = suppressed
}

/** Native: takes what the collector queued, a few buffers a turn; true when more may be waiting. */
function takeNative(liveId: number): boolean {
  const binding = loadNative().binding!
  for (let i = 0; i < TAKES_PER_TURN; i++) {
    const bytes = binding.takeLiveChunks(liveId, TAKE_BYTES)
    if (bytes === null) return false
    decode(bytes)
  }
  return true
}

const { feed } = data
const pump = feed.kind === 'native'
  ? setInterval(function turn(): void {
    if (takeNative(feed.liveId)) setImmediate(turn)
    tick()
  }, PUMP_INTERVAL_MS)
  : setInterval(tick, PUMP_INTERVAL_MS)

data.commands.on('message', (message: CommandMessage) => {
  switch (message.type) {
    case 'chunks':
      decode(message.bytes)
      Atomics.sub(control, CONTROL_IN_FLIGHT, message.bytes.length)
      return
    case 'subscribe':
      router.subscribers.set(message.id, new SubscriberSink(message.filter, message.shared, message.port))
      return
    case 'unsubscribe':
      router.subscribers.get(message.id)?.close()
      router.subscribers.delete(message.id)
      return
    case 'close':
      void close(message.deadlineMs)
  }
})

let closing = false

/**
 * Takes what is left, ends open spans, sends everything within the deadline, then says so.
 * ('port' feed: the chunks posted before the close message were handled before it.)
 */
async function close(deadlineMs: number): Promise<void> {
  if (closing) return
  closing = true
  clearInterval(pump)
  if (feed.kind === 'native') while (takeNative(feed.liveId));
  try {
    await router.finish(deadlineMs)
  } finally {
    pipeline[PipelineSlot.UnmatchedStops] = router.unmatchedStops
    showErrors()
    showAlertCounts()
    // Seq-cst store then notify, paired with the tracer thread's Atomics.wait/waitAsync on the
    // same word (export-pipeline.ts): the counters written before are visible when it wakes.
    Atomics.store(control, CONTROL_STATE, STATE_DONE)
    Atomics.notify(control, CONTROL_STATE)
    data.commands.close()
    data.alerts.close()
  }
}
