// The user-facing tracer: one ring on the calling thread, typed trace functions, configuration
// that reaches the hot path through the ring's eventGate words, and flush/close/stats.

import { mkdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { isMainThread, threadId } from 'node:worker_threads'
import type { NativeBinding, NativeRing } from '../binding.js'
import { etwBinding, openEtwSink, type EtwBinding } from './etw/etw-binding.js'
import { encodeFileChunk, encodeJsonChunk, type SchemaInfo } from './format/chunk.js'
import { ChunkType } from './format/file-layout.js'
import { ETW_MATCH_ALL_OFFSET, ETW_MATCH_ANY_OFFSET, ETW_SESSION_FOLLOWS, ETW_SESSION_OFFSET, ETW_SESSION_ON,
  EVENT_GATE_OFFSET, GATE_ALWAYS, GATE_OFF, INVALID_OFFSET, MAX_EVENTS, RING_FULL_OFFSET,
  SEQ_STATE_OFFSET, COARSE_CLOCK_OFFSET } from './format/ring-layout.js'
import { FIRST_EVENT_ID } from './format/record-layout.js'
import { describeValue, TracerError } from './errors.js'
import { checkOptions, DEFAULT_FILE_PERMISSIONS, DEFAULT_FLUSH_INTERVAL_MS, type TracerOptions } from './tracer-options.js'
import { clockMapping, streamOriginNs } from './clock.js'
import { selectBackend, type BackendName } from './backend/select-backend.js'
import { RingProducer } from './ring/ring-producer.js'
import { createGateCheck, createRecordWriter, type WriterSpec } from './ring/writer-codegen.js'
import type { ArgsOf, FieldSpec } from './schema/field-type-tokens.js'
import { checkKeyword, checkLevel, checkSampleRate, validateEvent, type EventOptions, type ValidEvent } from './schema/validate.js'
import { trackTracer, untrackTracer } from './exit-flush.js'
import { START_ID_WORDS, STOP_ID_WORDS, type Span } from './spans/span-kind.js'
import { EventBuilder } from './dynamic/event-builder.js'
import { coarseNow, levelOpen, logFiltersOf, maxStringChars, redactionOf, registerEvent, writerOf } from './internal-symbols.js'
import type { LogFilters } from './log/log-filters.js'
import { checkRateLimit, rateLimitedWriter, reportHeld, type CheckedRateLimit, type RateLimit } from './log/rate-limit.js'
import { resolveTracerOptions } from './config/resolve-options.js'
import { redactsField, type Redaction } from './schema/redaction.js'
import { createLogger, type Logger, type LoggerOptions } from './log/logger.js'
import { checkCodegenAllowed } from './compile-function.js'
import { SpanRegistry, type AttributeValue, type SpanOptions } from './spans/span-registry.js'
import { resolveExport } from './export/export-options.js'
import { ExportPipeline } from './export/export-pipeline.js'
import type { AlertMessage } from './export/worker-protocol.js'
import type { Alert } from './alerts/alert.js'
import { AlertRecorder } from './alerts/alert-record.js'
import { RingMetaFile } from './recorder/ring-meta-file.js'
import type { ExporterStats } from './export/http/exporter-counters.js'
import type { Subscription, SubscribeFilter } from './export/subscription.js'
import { alignUp } from './format/layout.js'
import type { TraceEvent } from './reader/trace-items.js'
import { correlatedEvent } from './spans/correlated-event.js'
import { SPAN_CONTEXT, SPAN_CONTEXT_FIELDS, START_ID_FIELDS, type SpanKindName } from './format/span-records.js'

/** A typed trace function: call it to record the event. */
export type TraceFunction<Args extends readonly unknown[]> = ((...args: Args) => void) & {
  /** Whether a call records anything now (level, keywords, enable state and the tracer). */
  readonly enabled: boolean
  readonly eventName: string
  readonly eventId: number
  enable(): void
  disable(): void
  /** Fraction of calls to record, 0 to 1; the decision costs a few ns and precedes argument work. */
  setSampleRate(rate: number): void
}

/** A typed span kind from tracer.defineSpan(): its attributes are checked at compile time. */
export interface SpanFunction<Args extends readonly unknown[]> {
  readonly spanName: string
  /** Runs `fn` inside a new span (sync or async; the span ends when it returns or settles). */
  run<R>(fn: () => R, ...attributes: Args): R
  /** Starts a span to end by hand (`span.end()`, `span.fail(error)`). */
  start(...attributes: Args): Span
}

export interface TracerStats {
  backend: BackendName
  stream: number
  /** Events that passed enable and sampling: delivered + lost + still in the ring. */
  written: number
  delivered: number
  lost: number
  lostRingFull: number
  lostInvalid: number
  lostOverwritten: number
  /** Events the trace file could not take (a write error such as a full disk); the file says so once it takes writes again. */
  lostUnwritten: number
  /** Events skipped with ring bytes that made no sense (a producer bug; the consumer resynchronised). */
  lostCorrupt: number
  /** Written but not yet taken by the collector (0 after flush()). */
  inRing: number
  /** Events the ETW sink dropped, not cut (over 64 KiB as TraceLogging); still in the file. */
  etwDropped: number
  /** Events ETW refused (EventWriteTransfer failed: a session's buffers full); counted, never thrown. */
  etwWriteErrors: number
  /**
   * Events the live stream dropped because the export worker fell behind (whole chunks, over
   * export.streamBytes). They are still in the trace file; they were never handed to an exporter.
   */
  liveDropped: number
  /** Per exporter ('otlp-traces', 'otlp-logs', 'loki', 'console', 'alert-webhook'): handedOver = exported + failed + dropped + pending. Empty without export. */
  exporters: Record<string, ExporterStats>
  /** Alert rules (TracerOptions.alerts): alerts fired, holds suppressed, callbacks that threw (the last error kept). */
  alerts: { fired: number; suppressed: number; callbackErrors: number; lastCallbackError: unknown }
}

export interface EventEntry extends ValidEvent {
  id: number
  /** Set for the two events of a span kind. */
  span?: 'start' | 'stop'
  /** Set for a correlated event: its first fields are the span context (TracerOptions.correlate). */
  context?: typeof SPAN_CONTEXT
  /** Indices of the fields that store `censor` instead of their value (TracerOptions.redact). */
  redacted?: number[]
  censor?: string
}

/** tracer.event()'s options: the schema's (EventOptions), and a rate limit of its trace function. */
export interface TraceEventOptions extends EventOptions {
  /**
   * Calls per second recorded, with bursts of `burst` (default perSecond): a call past it is not
   * recorded but counted in-band (a `ringtrace.rateLimited` record; docs/logging.md, "Filters").
   */
  rateLimit?: RateLimit
}

/** What an event is registered as, beyond an event of its own: a span record, or a logger's line. */
export interface RegisterAs {
  span?: 'start' | 'stop'
  /** A span Start's OpenTelemetry kind. */
  spanKind?: SpanKindName
  /** A log line's logger level (10 trace .. 60 fatal, pino's numbers; docs/logging.md). */
  log?: number
  /** The paths redacted in this event (a logger's, its tracer's included); default the tracer's. */
  redaction?: Redaction
}

const ALL_KEYWORDS = (1n << 64n) - 1n

export type { EtwOptions, OnFull, TracerOptions } from './tracer-options.js'

export class Tracer {
  readonly provider: string
  readonly backend: BackendName
  readonly stream: number
  private readonly binding: NativeBinding
  private readonly ring: RingProducer
  private readonly events = new Map<string, EventEntry>()
  private readonly byId: EventEntry[] = []
  private readonly maxStringBytes: number
  /** Whether events (not span records) record the current span's ids (TracerOptions.correlate). */
  private readonly correlate: boolean
  /** TracerOptions.redact, checked. */
  private readonly redaction: Redaction | undefined
  /** TracerOptions.log, checked. */
  private readonly logFilters: LogFilters
  /**
   * The ring writes for a live ETW provider alone (no trace file, no capture): its gates are
   * set through the collector, which closes them while no ETW session wants the event.
   */
  private readonly etwGates: EtwBinding | null
  private level: number
  private keywords: bigint
  private closed = false
  private finalStats: TracerStats | null = null
  /** The live export, when the tracer exports (options.export, or the OpenTelemetry variables). */
  private exportPipeline: ExportPipeline | null = null
  /** Alert rules' onAlert callbacks by rule name, and tracer.onAlert() listeners. */
  private readonly alertCallbacks: Map<string, (alert: Alert) => void>
  private readonly alertListeners = new Set<(alert: Alert) => void>()
  private alertRecorder: AlertRecorder | null = null
  private alertCallbackErrors = 0
  private lastAlertCallbackError: unknown = undefined
  /** What a live stream attached after construction (subscribe()) starts with. */
  private readonly fileChunk: Uint8Array
  private readonly streamChunk: Uint8Array
  private readonly schemaChunks: Uint8Array[] = []
  /** The ring file's metadata (options.ringDir), its schemas appended as they are registered. */
  private ringMeta: RingMetaFile | null = null

  constructor(given: TracerOptions) {
    const options = resolveTracerOptions(given)
    const { ringBytes, onFull, maxStringBytes, correlate, redaction, logFilters, console: consoleConfig, alerts } = checkOptions(options)
    this.redaction = redaction
    this.logFilters = logFilters
    this.provider = options.provider
    this.level = checkLevel(options.level ?? 5, 'level')
    this.keywords = checkKeyword(options.keywords ?? ALL_KEYWORDS, 'keywords')
    this.maxStringBytes = maxStringBytes
    const exporting = resolveExport(options.export, options.provider)
    // An exporting tracer correlates by default: its log records then carry their span's ids.
    this.correlate = correlate ?? exporting !== undefined
    // The console and the alert rules run on the export worker, with or without exporters.
    const exportConfig = consoleConfig === undefined && alerts === undefined ? exporting : {
      ...(exporting ?? resolveExport({ otlp: false }, options.provider)!),
      ...(consoleConfig === undefined ? {} : { console: consoleConfig }),
      ...(alerts === undefined ? {} : { alerts: alerts.resolved }),
    }
    this.alertCallbacks = alerts?.callbacks ?? new Map()
    const { name, binding } = selectBackend(options.backend)
    this.backend = name
    this.binding = binding
    const etw = options.etw === undefined ? null : etwBinding(binding, name)
    this.etwGates = etw !== null && options.file === undefined && options.etw?.capture === undefined && options.etw?.forceWrites !== true ? etw : null
    // What is acquired so far, for the catch below: a constructor that throws leaves no ring,
    // sink or exit hook behind, whichever step failed. An attached ring's closeRing() releases
    // the sinks it claimed; an open no attach claimed is given back by itself.
    let etwSinkId = 0
    let etwAttached = false
    let ring: NativeRing | null = null
    let sinkId = 0
    let attached = false
    let tracked = false
    let pipeline: ExportPipeline | null = null
    try {
      // First: the likeliest refusals (live ETW off Windows, a provider open with another capture
      // file) then leave nothing else to release.
      if (etw !== null) etwSinkId = openEtwSink(etw, this.provider, options.etw!, options)
      const permissions = options.filePermissions ?? DEFAULT_FILE_PERMISSIONS
      ring = createRing(binding, ringBytes, onFull === 'overwrite', options.ringDir, permissions)
      this.stream = ring.id
      this.ring = new RingProducer(ring.buffer, ringBytes, onFull === 'overwrite')
      const steady = () => binding.monotonicNs()
      const mapping = clockMapping(steady)
      // The file and the live stream begin alike: the export worker decodes what a reader reads.
      const fileChunk = this.fileChunk = encodeFileChunk({
        provider: this.provider,
        pid: process.pid,
        hostname: hostname(),
        monoNs: mapping.monoNs.toString(),
        wallNs: mapping.wallNs.toString(),
        createdBy: 'ringtrace',
      })
      if (options.file !== undefined) {
        const truncate = (options.fileMode ?? (isMainThread ? 'truncate' : 'append')) === 'truncate'
        sinkId = openFileSink(binding, options.file, truncate, fileChunk,
          options.filePermissions ?? DEFAULT_FILE_PERMISSIONS, options.followSymlinks ?? false,
          options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS)
      }
      const originMonoNs = streamOriginNs(steady)
      const streamChunk = this.streamChunk = encodeJsonChunk(ChunkType.Stream, {
        stream: this.stream,
        threadId,
        threadName: options.threadName ?? (isMainThread ? 'main' : `worker ${threadId}`),
        isMainThread,
        originMonoNs: originMonoNs.toString(),
        ringBytes,
        onFull,
        backend: name,
      })
      // Before the ring can hold a record: recover needs the stream and each schema beside it.
      if (ring.path !== undefined) this.ringMeta = RingMetaFile.create(ring.path, permissions, [fileChunk, streamChunk])
      binding.attachRing(this.stream, sinkId, originMonoNs, streamChunk)
      attached = true
      if (exportConfig !== undefined) {
        pipeline = new ExportPipeline(binding, name, exportConfig, this.provider, fileChunk, (message) => this.handleAlert(message))
        pipeline.attach(this.stream, streamChunk)
        this.exportPipeline = pipeline
      }
      // Before any SCHEMA chunk: the ETW sink builds its encoders from them.
      if (etwSinkId !== 0) {
        etw!.attachEtwSink(this.stream, etwSinkId)
        etwAttached = true
      }
      if (options.flushOnExit ?? true) {
        trackTracer(this)
        tracked = true
      }
    } catch (error) {
      // In reverse order. A release that fails too is not reported: the caller must see why the
      // tracer could not be made, and a sink that cannot even close has nothing left to lose.
      const quietly = (release: () => void) => { try { release() } catch { /* see above */ } }
      if (tracked) untrackTracer(this)
      if (pipeline !== null) quietly(() => pipeline!.release())
      if (sinkId !== 0 && !attached) quietly(() => binding.releaseFileSink(sinkId))
      const ringId = ring?.id
      if (ringId !== undefined) quietly(() => binding.closeRing(ringId))
      if (this.ringMeta !== null) quietly(() => this.ringMeta!.close())
      if (etwSinkId !== 0 && !etwAttached) quietly(() => etw!.releaseEtwSink(etwSinkId))
      throw error
    }
  }

  /**
   * Registers an event and returns its trace function, typed from `fields`:
   * `const tracePriming = tracer.event('Priming', [['kind', t.u8], ['strength', t.f32]])`.
   */
  event<const Fields extends readonly FieldSpec[]>(name: string, fields: Fields, options?: TraceEventOptions): TraceFunction<ArgsOf<Fields>> {
    this.assertOpen()
    // rateLimit is the trace function's, not the schema's: validateEvent refuses it elsewhere.
    let eventOptions: unknown = options
    let limit: CheckedRateLimit | undefined
    if (typeof options === 'object' && options !== null && 'rateLimit' in options) {
      const { rateLimit, ...rest } = options
      eventOptions = rest
      if (rateLimit !== undefined) limit = checkRateLimit(rateLimit, 'rateLimit')
    }
    const valid = validateEvent(name, fields, eventOptions as EventOptions | undefined)
    if (this.events.has(valid.name)) {
      throw new TracerError('DUPLICATE_EVENT', `ringtrace: event ${valid.name} is already registered on this tracer; keep the function tracer.event() returned`)
    }
    const entry = this[registerEvent](valid)
    this.events.set(entry.name, entry)
    const writer = this[writerOf](entry)
    return this.decorate(limit === undefined ? writer : rateLimitedWriter(this, entry.id, writer, valid.fields.length, limit), entry) as TraceFunction<ArgsOf<Fields>>
  }

  /**
   * Registers a validated schema under a new id and writes its SCHEMA chunk. Spans use it for
   * their Start/Stop pairs, which share a name (so they bypass the per-name registry), a Start
   * with its OpenTelemetry span kind; loggers for the shapes of their lines (`as.log`, the
   * line's logger level), which are always correlated. Any other event is correlated if the
   * tracer is.
   * @internal
   */
  [registerEvent](valid: ValidEvent, as: RegisterAs = {}): EventEntry {
    const { span, spanKind, log, redaction = this.redaction } = as
    this.assertOpen()
    // Before anything is taken: an event whose writer cannot be compiled gets no id or SCHEMA.
    checkCodegenAllowed()
    const id = FIRST_EVENT_ID + this.byId.length
    if (id >= MAX_EVENTS) {
      throw new TracerError('TOO_MANY_EVENTS', `ringtrace: a tracer holds at most ${MAX_EVENTS - 1} events`)
    }
    const correlated = span === undefined && (this.correlate || log !== undefined)
    const entry: EventEntry = {
      ...(correlated ? correlatedEvent(redacted(valid, redaction)) : redacted(valid, redaction)),
      id,
      ...(span === undefined ? {} : { span }),
      ...(correlated ? { context: SPAN_CONTEXT } : {}),
    }
    const censored = entry.fields.flatMap((field, i) => field.redacted === true ? [i] : [])
    if (censored.length > 0) {
      entry.redacted = censored
      entry.censor = redaction!.censor
    }
    const schema: SchemaInfo = {
      stream: this.stream,
      id,
      name: entry.name,
      level: entry.level,
      keyword: `0x${entry.keyword.toString(16)}`,
      opcode: entry.opcode,
      clock: entry.clock,
      fields: entry.fields,
      ...(span === undefined ? {} : { span }),
      ...(spanKind === undefined ? {} : { spanKind }),
      ...(correlated ? { context: SPAN_CONTEXT } : {}),
      ...(log === undefined ? {} : { log }),
    }
    // The schema reaches the file before any record of this id can be published.
    const schemaChunk = encodeJsonChunk(ChunkType.Schema, schema)
    this.ringMeta?.append(schemaChunk)
    this.binding.writeChunk(this.stream, schemaChunk)
    this.schemaChunks.push(schemaChunk)
    this.byId.push(entry)
    this.updateGate(entry)
    return entry
  }

  /**
   * @internal The record writer of a registered event, which fills a correlated event's span
   * context itself; `span`: WriterSpec options for span records (and a log line's string cap).
   */
  [writerOf](entry: EventEntry, span?: Partial<Pick<WriterSpec, 'guidWords' | 'emptyVariable' | 'ungated' | 'maxStringBytes'>>): (...args: unknown[]) => void {
    return createRecordWriter(this.ring, {
      eventId: entry.id,
      types: entry.fields.map((f) => f.type),
      clock: entry.clock,
      maxStringBytes: this.maxStringBytes,
      spanContext: entry.context === SPAN_CONTEXT,
      ...(entry.redacted === undefined ? {} : { redacted: entry.redacted, censor: entry.censor }),
      ...span,
    })
  }

  /** @internal Whether the tracer is open and records ETW level `level` (0 always); event gates decide the rest. */
  [levelOpen](level: number): boolean {
    return !this.closed && (level === 0 || level <= this.level)
  }

  /** @internal The tracer's log filters (TracerOptions.log). */
  [logFiltersOf](): LogFilters {
    return this.logFilters
  }

  /** @internal The ring's coarse clock, ms (what coarse-clock records are stamped with). */
  [coarseNow](): number {
    return this.ring.views.f64[COARSE_CLOCK_OFFSET >> 3]!
  }

  /** @internal The tracer's redaction (TracerOptions.redact), which its loggers extend. */
  [redactionOf](): Redaction | undefined {
    return this.redaction
  }

  /** @internal The cap of str field bytes (TracerOptions.maxStringBytes). */
  [maxStringChars](): number {
    return this.maxStringBytes
  }

  /**
   * A logger whose lines go to this tracer's rings (docs/logging.md): `tracer.logger({ service:
   * 'api' }).info({ userId }, 'signed in')`. Lines below `options.level` (default 'info') cost
   * nothing; the others are records, correlated with the current span.
   */
  logger(bindings?: Record<string, unknown>, options?: LoggerOptions): Logger {
    this.assertOpen()
    return createLogger(this, bindings, options)
  }

  /**
   * A span kind with typed attributes: `const action = tracer.defineSpan('ProcessAction',
   * [['actionId', t.u32]])`, then `await action.run(async () => { ... }, 7)`.
   */
  defineSpan<const Fields extends readonly FieldSpec[]>(name: string, fields: Fields, options?: SpanOptions): SpanFunction<ArgsOf<Fields>> {
    const kind = this.spans.define(name, fields, options)
    // The kind's generated fixed-arity functions: no rest array, no spread (src/spans/span-kind.ts).
    const { run, start } = kind.fast
    return { spanName: kind.name, run, start } as SpanFunction<ArgsOf<Fields>>
  }

  /**
   * Runs `fn` inside a span named `name` (a child of the current span, if any), with attributes
   * given as an object whose value types pick the field types (number f64, bigint i64, boolean,
   * string, Uint8Array; anything else as a string). Sync or async: the result or the error
   * passes through unchanged; an error is recorded on the span (status error, name, message).
   */
  span<R>(name: string, fn: () => R, attributes?: Record<string, AttributeValue>): R {
    if (this.closed) return fn()
    const values: unknown[] = []
    return this.spans.kindFor(name, attributes, values).fast.runValues(fn, values) as R
  }

  /** Starts a span to end by hand; run work inside it with `span.run(fn)`. */
  startSpan(name: string, attributes?: Record<string, AttributeValue>): Span {
    const values: unknown[] = []
    return this.spans.kindFor(name, attributes, values).fast.startValues(values)
  }

  /** A plain field, not a lazy getter: the getter was not inlined into span() (~8 ns per span). */
  private readonly spans = new SpanRegistry({
    registerSpanEvents: (start, stop, kind) => {
      const startEntry = this[registerEvent](start, { span: 'start', spanKind: kind })
      const stopEntry = this[registerEvent](stop, { span: 'stop' })
      return {
        // Ungated: the span kind asks startEnabled() before it makes the span at all.
        writeStart: this[writerOf](startEntry, { guidWords: START_ID_WORDS, ungated: true }),
        writeStop: this[writerOf](stopEntry, { guidWords: STOP_ID_WORDS }),
        writeStopEmpty: this[writerOf](stopEntry, { guidWords: STOP_ID_WORDS, emptyVariable: true }),
        startEnabled: createGateCheck(this.ring, startEntry.id),
      }
    },
  })

  /**
   * Calls `listener` on this thread with every alert the tracer's rules fire (TracerOptions.alerts),
   * after the rule's own onAlert. Returns the function that removes it. A listener that throws
   * is counted (stats().alerts.callbackErrors), never rethrown.
   */
  onAlert(listener: (alert: Alert) => void): () => void {
    if (typeof listener !== 'function') throw new TracerError('INVALID_OPTION', `ringtrace: onAlert(listener): listener must be a function, got ${describeValue(listener)}`)
    this.alertListeners.add(listener)
    return () => { this.alertListeners.delete(listener) }
  }

  /** An alert the export worker posted: its line in the trace, then the callbacks. */
  private handleAlert({ alert, record }: AlertMessage): void {
    if (record && !this.closed) {
      try {
        this.alertRecorder ??= new AlertRecorder(this)
        this.alertRecorder.write(alert)
      } catch {
        // No room for the alert's schema (TOO_MANY_EVENTS): the callbacks and the webhook still have it.
      }
    }
    const own = this.alertCallbacks.get(alert.rule)
    for (const callback of own === undefined ? this.alertListeners : [own, ...this.alertListeners]) {
      try {
        callback(alert)
      } catch (error) {
        this.alertCallbackErrors++
        this.lastAlertCallbackError = error
      }
    }
  }

  /**
   * Delivers the events that pass `filter` to `callback`, decoded, in batches, on this thread,
   * from the export worker (started now if the tracer has none). A slow callback never slows
   * tracing: its backlog is bounded and what does not fit is dropped and counted (docs/export.md).
   */
  subscribe(filter: SubscribeFilter, callback: (events: TraceEvent[]) => void): Subscription {
    this.assertOpen()
    if (this.exportPipeline === null) {
      const config = resolveExport({ otlp: false }, this.provider)!
      const pipeline = new ExportPipeline(this.binding, this.backend, config, this.provider, this.fileChunk)
      try {
        // Drained first: what was traced before the subscription is not delivered to it.
        this.flush()
        pipeline.attach(this.stream, concatChunks([this.streamChunk, ...this.schemaChunks]))
      } catch (error) {
        pipeline.release()
        throw error
      }
      this.exportPipeline = pipeline
    }
    return this.exportPipeline.subscribe(filter, callback)
  }

  /** Highest level recorded from now on (0 LogAlways .. 5 Verbose). */
  setLevel(level: number): void {
    this.level = checkLevel(level, 'level')
    this.updateAllGates()
  }

  /** Keyword mask: an event is recorded when its keyword is 0 or shares a bit with the mask. */
  setKeywords(mask: bigint | number): void {
    this.keywords = checkKeyword(mask, 'keywords')
    this.updateAllGates()
  }

  /** Makes everything traced so far reach the sink (the file, in the OS), synchronously. */
  flush(): void {
    if (this.closed) return
    this.ring.publish()
    this.binding.flush(this.stream)
    if (!this.ring.writePendingLost()) return
    this.ring.publish()
    this.binding.flush(this.stream)
  }

  /**
   * Flushes, lets the exporters send what they hold (within export.closeTimeoutMs), writes the
   * stream's final counters and releases the ring. Later calls record nothing.
   */
  close(): Promise<void> {
    this.closing ??= this.closeAsync()
    return this.closing
  }

  private closing: Promise<void> | null = null

  private async closeAsync(): Promise<void> {
    if (this.closed) return
    const failure = this.beginClose()
    if (this.exportPipeline !== null) await this.exportPipeline.finish()
    this.endClose(failure)
  }

  /**
   * close(), synchronously: what the exit handlers use (an export waits for its worker by
   * blocking this thread, at most export.closeTimeoutMs). Each step runs even if an earlier one
   * failed (a sink error, a collector that does not answer); the first error is thrown at the end.
   */
  closeSync(): void {
    if (this.closed) return
    const failure = this.beginClose()
    this.exportPipeline?.finishSync()
    this.endClose(failure)
  }

  /** Stops recording and drains; the first failure, to throw once the close is complete. */
  private beginClose(): { error: unknown } | undefined {
    // Lines a rate limit held back since its last report are counted in the trace before it ends.
    reportHeld(this)
    for (const entry of this.byId) this.setGate(entry.id, GATE_OFF)
    let failure: { error: unknown } | undefined
    try {
      this.flush()
    } catch (error) {
      failure = { error }
    }
    return failure
  }

  private endClose(failure: { error: unknown } | undefined): void {
    if (this.closed) return
    const attempt = (step: () => void): void => {
      try {
        step()
      } catch (error) {
        failure ??= { error }
      }
    }
    const pipeline = this.exportPipeline
    attempt(() => { this.finalStats = this.stats() })
    if (pipeline !== null) attempt(() => this.binding.writeChunk(this.stream, encodeJsonChunk(ChunkType.Export, {
      stream: this.stream,
      liveDropped: this.finalStats!.liveDropped,
      exporters: this.finalStats!.exporters,
      unmatchedStops: pipeline.stats().unmatchedStops,
    })))
    this.closed = true
    untrackTracer(this)
    attempt(() => this.binding.closeRing(this.stream))
    if (this.ringMeta !== null) attempt(() => this.ringMeta!.close())
    if (pipeline !== null) attempt(() => pipeline.release())
    if (failure !== undefined) throw failure.error
  }

  /**
   * Whether an event of this level and keyword is recorded now: level 0 (LogAlways) or at most the
   * tracer's level, keyword 0 or sharing a bit with the tracer's mask, and the tracer open. The
   * tracer's own configuration only: for a live-ETW-only tracer a trace function's `enabled` also
   * says whether an ETW session wants its event.
   */
  isEnabled(level: number, keyword: bigint): boolean {
    // From untyped callers: compared as they are, a level would run its valueOf and a number
    // keyword would throw mixing BigInt with numbers. So they are checked (a number keyword taken).
    if (typeof level !== 'number') checkLevel(level, 'level')
    if (typeof keyword !== 'bigint') keyword = checkKeyword(keyword, 'keyword')
    if (this.closed || !(level === 0 || level <= this.level) || !(keyword === 0n || (keyword & this.keywords) !== 0n)) {
      return false
    }
    // A tracer that writes only to live ETW also asks the sessions (the collector keeps their
    // state in the control block; TraceLogging's rule, as native/etw/etw_session.h applies it).
    const { u32, i64 } = this.ring.views
    const session = u32[ETW_SESSION_OFFSET >> 2]!
    if ((session & ETW_SESSION_FOLLOWS) === 0) return true
    if ((session & ETW_SESSION_ON) === 0) return false
    const sessionLevel = (session >>> 8) & 0xff
    if (sessionLevel !== 0 && level > sessionLevel) return false
    if (keyword === 0n) return true
    const any = BigInt.asUintN(64, i64[ETW_MATCH_ANY_OFFSET >> 3]!)
    const all = BigInt.asUintN(64, i64[ETW_MATCH_ALL_OFFSET >> 3]!)
    return (keyword & any) !== 0n && (keyword & all) === all
  }

  /** A builder for events known only at run time (docs/api.md, "Dynamic events"). */
  eventBuilder(): EventBuilder {
    return new EventBuilder(this)
  }

  get isClosed(): boolean {
    return this.closed
  }

  stats(): TracerStats {
    if (this.finalStats !== null) return { ...this.finalStats }
    const s = this.binding.ringStats(this.stream)
    const { u32, f64 } = this.ring.views
    const consumed = s.delivered + s.lostOverwritten + s.lostUnwritten + s.lostCorrupt
    const recorded = consumed + ((u32[SEQ_STATE_OFFSET >> 2]! - consumed) >>> 0)
    const ringFull = f64[RING_FULL_OFFSET >> 3]!
    const pipelineStats = this.exportPipeline?.stats()
    const invalid = f64[INVALID_OFFSET >> 3]!
    const lost = ringFull + invalid + s.lostOverwritten + s.lostUnwritten + s.lostCorrupt
    return {
      backend: this.backend,
      stream: this.stream,
      written: recorded + ringFull + invalid,
      delivered: s.delivered,
      lost,
      lostRingFull: ringFull,
      lostInvalid: invalid,
      lostOverwritten: s.lostOverwritten,
      lostUnwritten: s.lostUnwritten,
      lostCorrupt: s.lostCorrupt,
      inRing: recorded - consumed,
      etwDropped: s.etwDropped,
      etwWriteErrors: s.etwWriteErrors,
      liveDropped: s.liveDropped,
      exporters: pipelineStats?.exporters ?? {},
      alerts: {
        fired: pipelineStats?.alertsFired ?? 0,
        suppressed: pipelineStats?.alertsSuppressed ?? 0,
        callbackErrors: this.alertCallbackErrors,
        lastCallbackError: this.lastAlertCallbackError,
      },
    }
  }

  private decorate(writer: (...args: unknown[]) => void, entry: EventEntry): TraceFunction<unknown[]> {
    const tracer = this
    Object.defineProperties(writer, {
      name: { value: entry.name },
      enabled: { get: () => tracer.gate(entry.id) !== GATE_OFF },
      eventName: { value: entry.name },
      eventId: { value: entry.id },
      enable: { value: () => { entry.enabled = true; tracer.updateGate(entry) } },
      disable: { value: () => { entry.enabled = false; tracer.updateGate(entry) } },
      setSampleRate: { value: (rate: number) => { entry.sampleRate = checkSampleRate(rate); tracer.updateGate(entry) } },
    })
    return writer as TraceFunction<unknown[]>
  }

  private updateAllGates(): void {
    for (const entry of this.byId) this.updateGate(entry)
  }

  private updateGate(entry: EventEntry): void {
    if (this.closed) return
    let gate = GATE_OFF
    if (entry.span === 'stop') {
      // Open until close(): a span whose Start was recorded gets its Stop even if its level or
      // keyword was turned off meanwhile (a span not recorded at its start never writes one).
      gate = GATE_ALWAYS
    } else if (entry.enabled && this.isEnabled(entry.level, entry.keyword) && entry.sampleRate > 0) {
      gate = entry.sampleRate >= 1 ? GATE_ALWAYS : Math.max(1, Math.floor(entry.sampleRate * 2 ** 32))
    }
    this.setGate(entry.id, gate)
  }

  private gate(id: number): number {
    return this.ring.views.u32[(EVENT_GATE_OFFSET >> 2) + id]!
  }

  private setGate(id: number, gate: number): void {
    if (this.etwGates !== null) {
      this.etwGates.setEventGate(this.stream, id, gate)
    } else {
      this.ring.views.u32[(EVENT_GATE_OFFSET >> 2) + id] = gate
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new TracerError('TRACER_CLOSED', 'ringtrace: this tracer is closed; create a new one')
  }
}

/** Whole chunks back to back, each padded to 8 bytes as a file holds them. */
function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, chunk) => n + alignUp(chunk.length, 8), 0))
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += alignUp(chunk.length, 8)
  }
  return out
}

/**
 * binding.createRing(), a ring that cannot be allocated being NO_MEMORY on both backends; in a
 * ring directory (made here, 0o700, when missing), a ring file that cannot be made SINK_ERROR and
 * the TS backend NATIVE_UNAVAILABLE.
 */
function createRing(binding: NativeBinding, ringBytes: number, overwrite: boolean, ringDir: string | undefined, permissions: number): NativeRing {
  try {
    if (ringDir === undefined) return binding.createRing(ringBytes, overwrite)
    mkdirSync(ringDir, { recursive: true, mode: 0o700 })
    return binding.createRing(ringBytes, overwrite, ringDir, permissions)
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    const message = (error as Error).message
    if (code === 'ERR_RINGTRACE_NO_MEMORY') throw new TracerError('NO_MEMORY', `ringtrace: ringBytes: ${message}; choose a smaller ring`, { cause: error })
    if (code === 'ERR_RINGTRACE_UNSUPPORTED') throw new TracerError('NATIVE_UNAVAILABLE', `ringtrace: ringDir: ${message}`, { cause: error })
    if (ringDir !== undefined) throw new TracerError('SINK_ERROR', `ringtrace: ringDir: ${message}`, { cause: error })
    throw error
  }
}

/** binding.openFileSink(), a file that cannot be opened being SINK_ERROR on both backends. */
function openFileSink(binding: NativeBinding, ...args: Parameters<NativeBinding['openFileSink']>): number {
  try {
    return binding.openFileSink(...args)
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_RINGTRACE_IO') throw error
    throw new TracerError('SINK_ERROR', `ringtrace: file: ${(error as Error).message}`, { cause: error })
  }
}

export function createTracer(options: TracerOptions): Tracer {
  return new Tracer(options)
}

/** The span ids and the span context are the tracer's own values, never redacted. */
const NEVER_REDACTED: ReadonlySet<string> = new Set([...START_ID_FIELDS, ...SPAN_CONTEXT_FIELDS].map((f) => f.name))

/**
 * `valid` with each field a one-segment path of `redaction` names turned into a str field
 * marked redacted (SCHEMA `"redacted": true`), whose writer stores the censor.
 */
function redacted(valid: ValidEvent, redaction: Redaction | undefined): ValidEvent {
  if (redaction === undefined || !valid.fields.some((f) => !NEVER_REDACTED.has(f.name) && redactsField(redaction, f.name))) return valid
  return {
    ...valid,
    fields: valid.fields.map((f) => !NEVER_REDACTED.has(f.name) && redactsField(redaction, f.name) ? { name: f.name, type: 'str', redacted: true } : f),
  }
}
