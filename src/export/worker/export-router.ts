// Decoded trace items to exporters: span records become spans (SpanAssembler), other events log
// records for every log exporter (OTLP logs, Loki), each exporter batching, encoding and sending
// its own, and human lines for the console (ConsoleSink). The export worker runs one on the live
// stream; `ringtrace export --format otlp` one on a trace file.

import { hostname } from 'node:os'
import { SPAN_START_OPCODE, SPAN_STOP_OPCODE } from '../../format/span-records.js'
import type { ChunkDecoderOptions } from '../../reader/chunk-decoder.js'
import type { EventSchema } from '../../reader/event-schema.js'
import type { TraceEvent, TraceItem } from '../../reader/trace-items.js'
import { EXPORTER_COUNTER_SLOTS, ExporterCounters } from '../http/exporter-counters.js'
import { HttpExporter } from '../http/http-exporter.js'
import type { ResolvedExport, ResolvedOtlpSignal } from '../export-options.js'
import type { ExportLog, ExportResource, ExportScope, ExportSpan } from '../model.js'
import { JsonWriter } from '../json/json-writer.js'
import { ProtoWriter } from '../protobuf/proto-writer.js'
import { encodeLogs } from '../otlp/otlp-logs-proto.js'
import { encodeLogsJson } from '../otlp/otlp-logs-json.js'
import { encodeTraces } from '../otlp/otlp-traces-proto.js'
import { encodeTracesJson } from '../otlp/otlp-traces-json.js'
import { readErrorMessage, readPartialSuccess } from '../otlp/otlp-response.js'
import { exportResource, exportScope } from '../resource.js'
import { exporterNames } from '../worker-protocol.js'
import type { ResolvedLoki } from '../loki/loki-options.js'
import { encodeLokiPushJson } from '../loki/loki-push-json.js'
import { encodeLokiPush } from '../loki/loki-push-proto.js'
import { LokiStreams } from '../loki/loki-streams.js'
import { ConsoleSink } from '../console/console-sink.js'
import type { Alert } from '../../alerts/alert.js'
import { AlertEngine, SpanRecordRole as SpanRole } from '../../alerts/alert-engine.js'
import type { ResolvedAlertRule, ResolvedWebhook } from '../../alerts/alert-options.js'
import { alertJson } from '../../alerts/alert-json.js'
import { BatchingExporter, type FullBudget } from './batching-exporter.js'
import { logRecordOf } from './log-records.js'
import { SpanAssembler } from './span-assembler.js'
import type { SubscriberSink } from './subscriber-sink.js'

/** How the items route() takes are decoded: ids as bytes, which the exporters send as they are. */
export const EXPORT_DECODING: Readonly<Pick<ChunkDecoderOptions, 'guids'>> = { guids: 'bytes' }

/** Span Starts and Stops by their schema (docs/FORMAT.md section 4): opcode 1 or 2, the activity id first. */
export function spanRole(schema: EventSchema): SpanRole {
  const first = schema.fields[0]
  if (first === undefined || first.name !== 'activityId' || first.type !== 'guid' || schema.context !== undefined) return SpanRole.None
  return schema.opcode === SPAN_START_OPCODE ? SpanRole.Start : schema.opcode === SPAN_STOP_OPCODE ? SpanRole.Stop : SpanRole.None
}

/** Where the router hands a fired alert (the export worker posts it to the tracer's thread). */
export type AlertPost = (alert: Alert, rule: ResolvedAlertRule) => void

const WEBHOOK_BUDGET_BYTES = 1 << 20
const LOKI_TIMEOUT_MS = 10_000
const LOKI_BUDGET_BYTES = 32 << 20

interface Sink<T> {
  counters: ExporterCounters
  exporter: BatchingExporter<T>
}

export class ExportRouter {
  /** Exporter names, in counter order (exporterNames). */
  readonly names: string[]
  /** Their counters, in `slots` when given (EXPORTER_COUNTER_SLOTS each). */
  readonly counters: ExporterCounters[]
  private readonly resource: ExportResource
  private readonly scope: ExportScope
  private readonly exporters: Pick<BatchingExporter<unknown>, 'tick' | 'whenHandedOn' | 'shutdown'>[] = []
  private readonly logSinks: Sink<ExportLog>[] = []
  private readonly spans: SpanAssembler | undefined
  private readonly console: ConsoleSink | undefined
  private readonly alerts: AlertEngine | undefined
  private readonly webhook: { counters: ExporterCounters; http: HttpExporter } | undefined
  private fired = 0
  private suppressedHolds = 0
  private eventCount = 0
  /** tracer.subscribe() subscriptions, by id. */
  readonly subscribers = new Map<number, SubscriberSink>()

  /** `whenFull`: what the exporters do with a batch their budget cannot take now (FullBudget). */
  constructor(private readonly config: ResolvedExport, provider: string, slots?: Float64Array,
    private readonly whenFull: FullBudget = 'drop', post?: AlertPost) {
    this.names = exporterNames(config)
    this.counters = this.names.map((_, i) => new ExporterCounters(slots?.subarray(i * EXPORTER_COUNTER_SLOTS, (i + 1) * EXPORTER_COUNTER_SLOTS)))
    this.resource = exportResource(config)
    this.scope = exportScope(provider)
    const traces = config.traces === undefined ? undefined
      : this.otlpExporter<ExportSpan>('otlp-traces', config.traces, encodeTraces, encodeTracesJson)
    const logs = config.logs === undefined ? undefined
      : this.otlpExporter<ExportLog>('otlp-logs', config.logs, encodeLogs, encodeLogsJson)
    const loki = config.loki === undefined ? undefined : this.lokiExporter(config.loki)
    if (traces !== undefined) this.exporters.push(traces.exporter)
    for (const sink of [logs, loki]) {
      if (sink === undefined) continue
      this.exporters.push(sink.exporter)
      this.logSinks.push(sink)
    }
    this.console = config.console === undefined ? undefined
      : new ConsoleSink(config.console, this.counters[this.names.indexOf('console')]!)
    if (this.console !== undefined) this.exporters.push(this.console)
    this.webhook = config.alerts?.webhook === undefined ? undefined : this.webhookExporter(config.alerts.webhook)
    this.alerts = config.alerts === undefined ? undefined : new AlertEngine(config.alerts.rules, (alert, rule) => {
      this.fired++
      post?.(alert, rule)
      if (rule.webhook) this.sendWebhook(alert, provider)
    }, () => { this.suppressedHolds++ }, config.maxOpenSpans)
    this.spans = traces === undefined ? undefined
      : new SpanAssembler(traces.counters, config.maxOpenSpans, (span) => traces.exporter.add(span))
  }

  /** Events routed so far. */
  get events(): number {
    return this.eventCount
  }

  /** Alerts the rules fired, and holds of a suppressed rule. */
  get alertCounts(): { fired: number; suppressed: number } {
    return { fired: this.fired, suppressed: this.suppressedHolds }
  }

  /** Span ends whose start never came. */
  get unmatchedStops(): number {
    return this.spans?.unmatchedStops ?? 0
  }

  /**
   * Hands a decoded batch to the exporters; `schemaOf` is the decoder's, valid for this batch.
   * The decoder decodes with EXPORT_DECODING.
   */
  route(batch: readonly TraceItem[], schemaOf: (event: TraceEvent) => EventSchema | undefined): void {
    for (const counters of this.counters) counters.hold()
    try {
      this.routeEvents(batch, schemaOf)
    } finally {
      for (const counters of this.counters) counters.release()
    }
  }

  private routeEvents(batch: readonly TraceItem[], schemaOf: (event: TraceEvent) => EventSchema | undefined): void {
    const observedNs = BigInt(Date.now()) * 1_000_000n
    for (const item of batch) {
      if (item.kind !== 'event') continue
      this.eventCount++
      const schema = schemaOf(item)
      if (schema === undefined) continue
      const role = spanRole(schema)
      for (const subscriber of this.subscribers.values()) subscriber.offer(item, schema, role !== SpanRole.None)
      if (role === SpanRole.Start) {
        this.spans?.start(item, schema)
      } else if (role === SpanRole.Stop) {
        this.spans?.stop(item)
      } else {
        this.console?.offer(item, schema)
        if (this.logSinks.length > 0) {
          const record = logRecordOf(item, schema, observedNs)
          for (const sink of this.logSinks) {
            sink.counters.handOver(1)
            sink.exporter.add(record)
          }
        }
      }
      this.alerts?.offer(item, schema, role)
    }
  }

  /** Sends batches that have waited long enough (`now`: performance.now()). */
  tick(now: number): void {
    this.alerts?.tick(Date.now())
    for (const exporter of this.exporters) exporter.tick(now)
    for (const subscriber of this.subscribers.values()) subscriber.flush()
  }

  /**
   * Resolves when the exporters have taken every batch routed so far: at once under 'drop', when
   * their budgets have room under 'wait'. A reader that awaits it between batches holds at most
   * one batch's worth of encoded items beyond the budgets.
   */
  async whenHandedOn(): Promise<void> {
    await Promise.all(this.exporters.map((exporter) => exporter.whenHandedOn()))
  }

  /**
   * Ends the spans still open as unterminated at `endNs` (ns since the epoch; default now), then
   * sends everything by `deadlineMs` (Date.now()).
   */
  async finish(deadlineMs: number, endNs: bigint = BigInt(Date.now()) * 1_000_000n): Promise<void> {
    for (const subscriber of this.subscribers.values()) subscriber.close()
    this.subscribers.clear()
    this.spans?.finish(endNs)
    this.alerts?.finish()
    await Promise.all([
      ...this.exporters.map((exporter) => exporter.shutdown(deadlineMs)),
      this.webhook?.http.shutdown(Math.max(0, deadlineMs - Date.now())),
    ])
  }

  /** One writer per exporter, reused batch after batch: its buffer grows once to the batch size. */
  private otlpExporter<T>(name: string, signal: ResolvedOtlpSignal,
    proto: (r: ExportResource, s: ExportScope, items: readonly T[], writer: ProtoWriter) => Uint8Array,
    json: (r: ExportResource, s: ExportScope, items: readonly T[], writer: JsonWriter) => Uint8Array,
  ): Sink<T> {
    const counters = this.counters[this.names.indexOf(name)]!
    const { resource, scope, config } = this
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
    const exporter = new BatchingExporter<T>(name, counters, config.maxBatchItems, config.batchDelayMs, encode, http, this.whenFull)
    return { counters, exporter }
  }

  /** One POST per alert, retried and bounded as every exporter's batches. */
  private webhookExporter(hook: ResolvedWebhook): { counters: ExporterCounters; http: HttpExporter } {
    const counters = this.counters[this.names.indexOf('alert-webhook')]!
    const http = new HttpExporter({
      name: 'alert-webhook',
      url: new URL(hook.url),
      headers: hook.headers,
      contentType: 'application/json',
      compression: 'none',
      timeoutMs: hook.timeoutMs,
      concurrency: 1,
      budgetBytes: WEBHOOK_BUDGET_BYTES,
    }, counters)
    return { counters, http }
  }

  private sendWebhook(alert: Alert, provider: string): void {
    const { webhook, config } = this
    if (webhook === undefined) return
    webhook.counters.handOver(1)
    webhook.http.send(alertJson(alert, { provider, serviceName: config.serviceName, pid: config.origin?.pid ?? process.pid, hostname: config.origin?.hostname ?? hostname() }), 1)
  }

  /**
   * Loki refuses an entry older than the newest of its stream, and LokiStreams orders entries as
   * it builds batches: so batches go one at a time (concurrency 1), in the order they were built.
   */
  private lokiExporter(options: ResolvedLoki): Sink<ExportLog> {
    const counters = this.counters[this.names.indexOf('loki')]!
    const { config } = this
    const streams = new LokiStreams(options, this.resource)
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
    }, http, this.whenFull)
    return { counters, exporter }
  }
}
