// The export worker: a worker thread per exporting tracer that takes the live stream's chunks,
// decodes them with the trace reader's decoder, turns span records into spans and other events
// into log records, and sends them in batches. Everything an export costs, decoding, encoding,
// compression and HTTP, happens here, never on the tracer's thread.

import { workerData } from 'node:worker_threads'
import { isSpanStart, isSpanStop } from '../../analysis/span-events.js'
import { loadNative } from '../../binding.js'
import { chunksIn } from '../../reader/buffer-chunks.js'
import { ChunkDecoder } from '../../reader/chunk-decoder.js'
import type { TraceItem } from '../../reader/trace-items.js'
import { EXPORTER_COUNTER_SLOTS, ExporterCounters, type ExporterError } from '../http/exporter-counters.js'
import { SharedErrorSlots } from '../shared-error-slots.js'
import { HttpExporter } from '../http/http-exporter.js'
import type { ResolvedOtlpSignal } from '../export-options.js'
import type { ExportLog, ExportResource, ExportScope, ExportSpan } from '../model.js'
import { JsonWriter } from '../json/json-writer.js'
import { ProtoWriter } from '../protobuf/proto-writer.js'
import { encodeLogs } from '../otlp/otlp-logs-proto.js'
import { encodeLogsJson } from '../otlp/otlp-logs-json.js'
import { encodeTraces } from '../otlp/otlp-traces-proto.js'
import { encodeTracesJson } from '../otlp/otlp-traces-json.js'
import { readErrorMessage, readPartialSuccess } from '../otlp/otlp-response.js'
import { exportResource, exportScope } from '../resource.js'
import { CONTROL_IN_FLIGHT, CONTROL_STATE, exporterNames, PipelineSlot, STATE_DONE, type ChunkMessage,
  type CloseMessage, type ExportWorkerData } from '../worker-protocol.js'
import type { ResolvedLoki } from '../loki/loki-options.js'
import { encodeLokiPushJson } from '../loki/loki-push-json.js'
import { encodeLokiPush } from '../loki/loki-push-proto.js'
import { LokiStreams } from '../loki/loki-streams.js'
import { BatchingExporter } from './batching-exporter.js'
import { logRecordOf } from './log-records.js'
import { SpanAssembler } from './span-assembler.js'

/** How often the worker takes the native live stream and checks batch ages. */
const PUMP_INTERVAL_MS = 10
/** Bytes taken per call; a larger backlog is taken over several turns, so HTTP keeps moving. */
const TAKE_BYTES = 4 << 20
const TAKES_PER_TURN = 4
const LOKI_TIMEOUT_MS = 10_000
const LOKI_BUDGET_BYTES = 32 << 20

const data = workerData as ExportWorkerData
const { config } = data
const resource = exportResource(config)
const scope = exportScope(data.provider)
const control = new Int32Array(data.control)
const slots = new Float64Array(data.counters)
const names = exporterNames(config)
const pipelineBase = names.length * EXPORTER_COUNTER_SLOTS

const allCounters = names.map((_, i) => new ExporterCounters(slots.subarray(i * EXPORTER_COUNTER_SLOTS, (i + 1) * EXPORTER_COUNTER_SLOTS)))

function countersOf(name: string): ExporterCounters {
  return allCounters[names.indexOf(name)]!
}

const errorSlots = new SharedErrorSlots(data.errors)
/** The error each exporter's slot shows, to write a slot only when its error changes. */
const shownErrors: (ExporterError | null)[] = names.map(() => null)

function showErrors(): void {
  for (let i = 0; i < names.length; i++) {
    const error = allCounters[i]!.lastError
    if (error !== null && error !== shownErrors[i]) {
      errorSlots.write(i, error)
      shownErrors[i] = error
    }
  }
}

/** One writer per exporter, reused batch after batch: its buffer grows once to the batch size. */
function otlpExporter<T>(name: string, signal: ResolvedOtlpSignal,
  proto: (r: ExportResource, s: ExportScope, items: readonly T[], writer: ProtoWriter) => Uint8Array,
  json: (r: ExportResource, s: ExportScope, items: readonly T[], writer: JsonWriter) => Uint8Array,
): { counters: ExporterCounters; exporter: BatchingExporter<T> } {
  const counters = countersOf(name)
  const isJson = signal.protocol === 'http/json'
  const protoWriter = new ProtoWriter()
  const jsonWriter = new JsonWriter()
  const encode = isJson
    ? (items: readonly T[]) => json(resource, scope, items, jsonWriter)
    : (items: readonly T[]) => proto(resource, scope, items, protoWriter)
  const http = new HttpExporter({
    name,
    url: new URL(signal.url),
    headers: signal.headers,
    contentType: isJson ? 'application/json' : 'application/x-protobuf',
    compression: signal.compression,
    timeoutMs: signal.timeoutMs,
    concurrency: signal.concurrency,
    budgetBytes: signal.budgetBytes,
    readPartialSuccess: (contentType, body) => readPartialSuccess(signal.signal, contentType, body),
    readErrorMessage,
  }, counters)
  const exporter = new BatchingExporter<T>(name, counters, config.maxBatchItems, config.batchDelayMs, encode, http)
  return { counters, exporter }
}

/**
 * Loki refuses an entry older than the newest of its stream, and LokiStreams orders entries as
 * it builds batches: so batches go one at a time (concurrency 1), in the order they were built.
 */
function lokiExporter(options: ResolvedLoki): { counters: ExporterCounters; exporter: BatchingExporter<ExportLog> } {
  const counters = countersOf('loki')
  const streams = new LokiStreams(options, resource)
  const json = options.protocol === 'json'
  const http = new HttpExporter({
    name: 'loki',
    url: new URL(options.url),
    headers: options.headers,
    contentType: options.contentType,
    // The protobuf body is snappy-compressed already.
    compression: json ? 'gzip' : 'none',
    timeoutMs: LOKI_TIMEOUT_MS,
    concurrency: 1,
    budgetBytes: LOKI_BUDGET_BYTES,
  }, counters)
  const exporter = new BatchingExporter<ExportLog>('loki', counters, config.maxBatchItems, config.batchDelayMs, (records) => {
    const batch = streams.batch(records)
    return json ? encodeLokiPushJson(batch.streams) : encodeLokiPush(batch.streams)
  }, http)
  return { counters, exporter }
}

const traces = config.traces === undefined ? undefined
  : otlpExporter<ExportSpan>('otlp-traces', config.traces, encodeTraces, encodeTracesJson)
const logs = config.logs === undefined ? undefined
  : otlpExporter<ExportLog>('otlp-logs', config.logs, encodeLogs, encodeLogsJson)
const loki = config.loki === undefined ? undefined : lokiExporter(config.loki)
const exporters: Pick<BatchingExporter<unknown>, 'tick' | 'shutdown'>[] = []
if (traces !== undefined) exporters.push(traces.exporter)
if (logs !== undefined) exporters.push(logs.exporter)
if (loki !== undefined) exporters.push(loki.exporter)
/** Every exporter of log records. */
const logSinks = [logs, loki].filter((sink) => sink !== undefined)

const spans = traces === undefined ? undefined
  : new SpanAssembler(traces.counters, config.maxOpenSpans, (span) => traces.exporter.add(span))

const decoder = new ChunkDecoder()
const items: TraceItem[] = []
/** Live stream offset of the next chunk: what decoding errors name. */
let offset = 0
let damaged = false

function route(batch: readonly TraceItem[]): void {
  const observedNs = BigInt(Date.now()) * 1_000_000n
  for (const item of batch) {
    if (item.kind !== 'event') continue
    slots[pipelineBase + PipelineSlot.Events]!++
    const schema = decoder.schemaOf(item)
    if (schema === undefined) continue
    if (isSpanStart(item)) {
      spans?.start(item, schema)
    } else if (isSpanStop(item)) {
      spans?.stop(item)
    } else if (logSinks.length > 0) {
      const record = logRecordOf(item, schema, observedNs)
      for (const sink of logSinks) {
        sink.counters.handOver(1)
        sink.exporter.add(record)
      }
    }
  }
}

/** Decodes one buffer of whole chunks. A buffer the decoder refuses is counted and skipped. */
function decode(bytes: Uint8Array): void {
  if (damaged) {
    slots[pipelineBase + PipelineSlot.DamagedBytes]! += bytes.length
    return
  }
  try {
    for (const chunk of chunksIn(bytes, offset)) {
      decoder.take(chunk, items)
      for (;;) {
        route(items)
        items.length = 0
        if (!decoder.hasMore) break
        decoder.continue(items)
      }
    }
  } catch (error) {
    // Never expected (the collector frames what it decoded itself): a bug. What follows cannot
    // be decoded reliably without the state it broke, so the rest of the stream is counted.
    damaged = true
    slots[pipelineBase + PipelineSlot.DamagedBytes]! += bytes.length
    const failure = { message: `the live stream could not be decoded: ${(error as Error).message}`, at: Date.now() }
    for (let i = 0; i < names.length; i++) errorSlots.write(i, failure)
  }
  offset += bytes.length
}

function tick(): void {
  const now = performance.now()
  for (const exporter of exporters) exporter.tick(now)
  showErrors()
}

/** Native: takes what the collector queued, a few buffers a turn. */
function takeNative(liveId: number): boolean {
  const binding = loadNative().binding!
  for (let i = 0; i < TAKES_PER_TURN; i++) {
    const bytes = binding.takeLiveChunks(liveId, TAKE_BYTES)
    if (bytes === null) return false
    decode(bytes)
  }
  return true
}

function onChunks(message: ChunkMessage): void {
  decode(message.bytes)
  Atomics.sub(control, CONTROL_IN_FLIGHT, message.bytes.length)
}

const { feed } = data
const pump = feed.kind === 'native'
  ? setInterval(function turn(): void {
    if (takeNative(feed.liveId)) setImmediate(turn)
    tick()
  }, PUMP_INTERVAL_MS)
  : setInterval(tick, PUMP_INTERVAL_MS)

data.commands.on('message', (message: ChunkMessage | CloseMessage) => {
  if (message.type === 'chunks') onChunks(message)
  else void close(message.deadlineMs)
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
  spans?.finish(BigInt(Date.now()) * 1_000_000n)
  if (spans !== undefined) slots[pipelineBase + PipelineSlot.UnmatchedStops] = spans.unmatchedStops
  try {
    await Promise.all(exporters.map((exporter) => exporter.shutdown(deadlineMs)))
  } finally {
    showErrors()
    Atomics.store(control, CONTROL_STATE, STATE_DONE)
    Atomics.notify(control, CONTROL_STATE)
    data.commands.close()
  }
}
