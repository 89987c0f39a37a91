// Spans from their Start and Stop records, for export. A Start becomes an OpenSpan at once, which
// waits in a bounded table for its Stop (SpanPairing, by activity id) and is completed by it; at
// close a span still open is exported unterminated (end = the close time, attribute
// ringtrace.unterminated = true). A Start counts as handed over to the traces exporter when it
// is taken, so spans still open are part of its `pending`, and a Start that finds the table full
// is dropped and counted there.
//
// Ids come as the decoder's bytes (guids: 'bytes'), never as text: the activity id is the span
// id in its first 8 bytes, the parent's activity id the parent span id likewise (the documented
// mapping), so they go to the encoders as they are. One object per span (OpenSpan), completed in
// place: each object fewer per span was measurable in the worker's collection time.

import { SpanPairing, type PairingIds } from '../../analysis/span-pairing.js'
import { START_ID_FIELDS } from '../../analysis/span-events.js'
import { SpanStatus } from '../../format/span-records.js'
import { wordAt } from '../../format/words.js'
import type { EventSchema } from '../../reader/event-schema.js'
import type { TraceEvent } from '../../reader/trace-items.js'
import type { ExporterCounters } from '../http/exporter-counters.js'
import { OtlpSpanKind, OtlpStatusCode, type ExportAttribute, type ExportSpan, type ExportSpanEvent } from '../model.js'
import { eventAttributes } from './export-attributes.js'
import { GuidTable } from './guid-table.js'

const SPAN_KINDS: Readonly<Record<string, OtlpSpanKind>> = {
  internal: OtlpSpanKind.Internal,
  server: OtlpSpanKind.Server,
  client: OtlpSpanKind.Client,
  producer: OtlpSpanKind.Producer,
  consumer: OtlpSpanKind.Consumer,
}

const UNTERMINATED: ExportAttribute = { key: 'ringtrace.unterminated', type: 'bool', value: true }
const NO_EVENTS: readonly ExportSpanEvent[] = []

/** A span from its Start: what the Start tells, then its end and status from the Stop. */
class OpenSpan implements ExportSpan {
  endNs = 0n
  events = NO_EVENTS
  statusCode: OtlpStatusCode = OtlpStatusCode.Unset
  statusMessage = ''

  constructor(
    readonly traceId: Uint8Array,
    /** The activity id: its first 8 bytes are the span id. */
    readonly spanId: Uint8Array,
    readonly parentSpanId: Uint8Array | undefined,
    readonly name: string,
    readonly kind: OtlpSpanKind,
    readonly startNs: bigint,
    public attributes: readonly ExportAttribute[],
  ) {}
}

/** What the pairing holds: spans started, and Stops that came before their Start. */
type SpanRecord = OpenSpan | TraceEvent

const BYTE_IDS: PairingIds<SpanRecord, Uint8Array> = {
  idOf: (record) => record instanceof OpenSpan ? record.spanId : record.fields.activityId as Uint8Array,
  table: () => new GuidTable<SpanRecord>(),
}

/** A root span's parentId: 16 zero bytes. */
const isZero = (id: Uint8Array): boolean => (wordAt(id, 0) | wordAt(id, 4) | wordAt(id, 8) | wordAt(id, 12)) === 0

export class SpanAssembler {
  private readonly pairing: SpanPairing<SpanRecord, Uint8Array>
  private unmatched = 0
  /** The end of spans still open at close (finish()). */
  private closeNs = 0n

  constructor(
    private readonly counters: ExporterCounters,
    maxOpenSpans: number,
    private readonly emit: (span: ExportSpan) => void,
  ) {
    this.pairing = new SpanPairing<SpanRecord, Uint8Array>({
      // A Start is always an OpenSpan, a Stop a decoded event.
      paired: (start, stop) => this.emit(ended(start as OpenSpan, stop as TraceEvent | undefined, this.closeNs)),
      unmatchedStop: () => { this.unmatched++ },
      duplicateStart: () => this.counters.dropped(1, { message: 'a span start repeated the id of a running span', at: Date.now() }),
      overflow: (record) => {
        if (record instanceof OpenSpan) this.counters.dropped(1, { message: `more than ${maxOpenSpans} spans open (export.maxOpenSpans)`, at: Date.now() })
        else this.unmatched++
      },
    }, maxOpenSpans, BYTE_IDS)
  }

  /** Stops that found no Start (it was dropped, or traced before export began). */
  get unmatchedStops(): number {
    return this.unmatched
  }

  /** A Start record decoded with guids as bytes. */
  start(event: TraceEvent, schema: EventSchema): void {
    this.counters.handOver(1)
    const { fields } = event
    const parent = fields.parentId as Uint8Array
    this.pairing.start(new OpenSpan(
      fields.traceId as Uint8Array,
      fields.activityId as Uint8Array,
      isZero(parent) ? undefined : parent,
      event.name,
      SPAN_KINDS[schema.spanKind ?? 'internal'] ?? OtlpSpanKind.Internal,
      event.timestampNs,
      eventAttributes(event, schema, START_ID_FIELDS),
    ))
  }

  /** A Stop record decoded with guids as bytes. */
  stop(event: TraceEvent): void {
    this.pairing.stop(event)
  }

  /** Every span still open, as unterminated at `endNs`; Stops still waiting count unmatched. */
  finish(endNs: bigint): void {
    this.closeNs = endNs
    this.pairing.finish()
  }
}

/** Completes `span` from its Stop, or as unterminated at `closeNs` without one. */
function ended(span: OpenSpan, stop: TraceEvent | undefined, closeNs: bigint): OpenSpan {
  if (stop === undefined) {
    span.endNs = closeNs > span.startNs ? closeNs : span.startNs
    span.attributes = [...span.attributes, UNTERMINATED]
    return span
  }
  span.endNs = stop.timestampNs
  const { fields } = stop
  const status = fields.status
  if (status === SpanStatus.Ok) span.statusCode = OtlpStatusCode.Ok
  else if (status === SpanStatus.Error) {
    const message = typeof fields.errorMessage === 'string' ? fields.errorMessage : ''
    span.statusCode = OtlpStatusCode.Error
    span.statusMessage = message
    span.events = [{
      name: 'exception',
      timeNs: stop.timestampNs,
      attributes: [
        { key: 'exception.type', type: 'str', value: typeof fields.errorType === 'string' ? fields.errorType : '' },
        { key: 'exception.message', type: 'str', value: message },
      ],
    }]
  }
  return span
}
