// Spans from their Start and Stop records, for export. Starts wait in a bounded table for their
// Stop (SpanPairing); each becomes an ExportSpan when it ends, or at close, still open, as an
// unterminated span (end = the close time, attribute ringtrace.unterminated = true). A Start
// counts as handed over to the traces exporter when it is taken, so spans still open are part of
// its `pending`, and a Start that finds the table full is dropped and counted there.

import { SpanPairing } from '../../analysis/span-pairing.js'
import { START_ID_FIELDS, textField, ZERO_ID, type SpanEventInput } from '../../analysis/span-events.js'
import { SpanStatus } from '../../format/span-records.js'
import type { EventSchema } from '../../reader/event-schema.js'
import type { TraceEvent } from '../../reader/trace-items.js'
import { writeGuid } from '../../ring/guid.js'
import type { ExporterCounters } from '../http/exporter-counters.js'
import { OtlpSpanKind, OtlpStatusCode, type ExportAttribute, type ExportSpan, type ExportSpanEvent } from '../model.js'
import { eventAttributes } from './export-attributes.js'

/** A Start as it waits: what its span needs, worked out while its schema is at hand. */
interface PendingStart extends SpanEventInput {
  readonly pending: true
  readonly traceId: Uint8Array
  readonly spanId: Uint8Array
  readonly parentSpanId: Uint8Array | undefined
  readonly spanKind: OtlpSpanKind
  readonly attributes: ExportAttribute[]
}

/** What the pairing holds: Starts prepared, Stops as decoded. */
type SpanRecord = PendingStart | TraceEvent

const SPAN_KINDS: Readonly<Record<string, OtlpSpanKind>> = {
  internal: OtlpSpanKind.Internal,
  server: OtlpSpanKind.Server,
  client: OtlpSpanKind.Client,
  producer: OtlpSpanKind.Producer,
  consumer: OtlpSpanKind.Consumer,
}

const UNTERMINATED: ExportAttribute = { key: 'ringtrace.unterminated', type: 'bool', value: true }

/** GUID text back to bytes (the reader gives GUIDs as text). */
function guidBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(16)
  writeGuid(bytes, 0, text)
  return bytes
}

/**
 * guidBytes() for an id that recurs in runs: the trace id of the spans of one trace, the parent
 * id of siblings. Each use keeps its latest id: measured, a Map of recent ids cost more in
 * inserts and clears than it saved when ids do not recur (root spans), this nothing.
 */
class LatestGuid {
  private text = ''
  private bytes: Uint8Array = new Uint8Array(16)

  of(text: string): Uint8Array {
    if (text !== this.text) {
      this.bytes = guidBytes(text)
      this.text = text
    }
    return this.bytes
  }
}

const isStart = (record: SpanRecord): record is PendingStart => 'pending' in record

export class SpanAssembler {
  private readonly pairing: SpanPairing<SpanRecord>
  private readonly traceIds = new LatestGuid()
  private readonly parentIds = new LatestGuid()
  private unmatched = 0
  /** The end of spans still open at close (finish()). */
  private closeNs = 0n

  constructor(
    private readonly counters: ExporterCounters,
    maxOpenSpans: number,
    private readonly emit: (span: ExportSpan) => void,
  ) {
    this.pairing = new SpanPairing<SpanRecord>({
      paired: (start, stop) => {
        if (isStart(start)) this.emit(spanOf(start, stop, this.closeNs))
      },
      unmatchedStop: () => { this.unmatched++ },
      duplicateStart: () => this.counters.dropped(1, { message: 'a span start repeated the id of a running span', at: Date.now() }),
      overflow: (record) => {
        if (isStart(record)) this.counters.dropped(1, { message: `more than ${maxOpenSpans} spans open (export.maxOpenSpans)`, at: Date.now() })
        else this.unmatched++
      },
    }, maxOpenSpans)
  }

  /** Stops that found no Start (it was dropped, or traced before export began). */
  get unmatchedStops(): number {
    return this.unmatched
  }

  start(event: TraceEvent, schema: EventSchema): void {
    this.counters.handOver(1)
    const { fields } = event
    const parent = textField(fields, 'parentId')
    const activity = guidBytes(textField(fields, 'activityId'))
    this.pairing.start({
      pending: true,
      kind: 'event',
      name: event.name,
      timestampNs: event.timestampNs,
      opcode: event.opcode,
      thread: event.thread,
      fields: { activityId: fields.activityId! },
      traceId: this.traceIds.of(textField(fields, 'traceId')),
      spanId: activity.subarray(0, 8),
      parentSpanId: parent === ZERO_ID ? undefined : this.parentIds.of(parent).subarray(0, 8),
      spanKind: SPAN_KINDS[schema.spanKind ?? 'internal'] ?? OtlpSpanKind.Internal,
      attributes: eventAttributes(event, schema, START_ID_FIELDS),
    })
  }

  stop(event: TraceEvent): void {
    this.pairing.stop(event)
  }

  /** Every span still open, as unterminated at `endNs`; Stops still waiting count unmatched. */
  finish(endNs: bigint): void {
    this.closeNs = endNs
    this.pairing.finish()
  }
}

/**
 * Plain object literals, no spread: on Node 20 `{ ...base, endNs }` cost 3.7 us a call against
 * 30-50 ns for a literal, a fifth of the worker's time at 100k spans/s.
 */
function spanOf(start: PendingStart, stop: SpanRecord | undefined, closeNs: bigint): ExportSpan {
  if (stop === undefined) {
    const endNs = closeNs > start.timestampNs ? closeNs : start.timestampNs
    return exportSpan(start, endNs, [...start.attributes, UNTERMINATED], NO_EVENTS, OtlpStatusCode.Unset, '')
  }
  const { fields } = stop
  const status = fields.status
  if (status !== SpanStatus.Error) {
    return exportSpan(start, stop.timestampNs, start.attributes, NO_EVENTS, status === SpanStatus.Ok ? OtlpStatusCode.Ok : OtlpStatusCode.Unset, '')
  }
  const message = textField(fields, 'errorMessage')
  const exception: ExportSpanEvent = {
    name: 'exception',
    timeNs: stop.timestampNs,
    attributes: [
      { key: 'exception.type', type: 'str', value: textField(fields, 'errorType') },
      { key: 'exception.message', type: 'str', value: message },
    ],
  }
  return exportSpan(start, stop.timestampNs, start.attributes, [exception], OtlpStatusCode.Error, message)
}

const NO_EVENTS: readonly ExportSpanEvent[] = []

function exportSpan(start: PendingStart, endNs: bigint, attributes: readonly ExportAttribute[], events: readonly ExportSpanEvent[],
  code: OtlpStatusCode, message: string): ExportSpan {
  return {
    traceId: start.traceId,
    spanId: start.spanId,
    parentSpanId: start.parentSpanId,
    name: start.name,
    kind: start.spanKind,
    startNs: start.timestampNs,
    endNs,
    attributes,
    events,
    status: { code, message },
  }
}
