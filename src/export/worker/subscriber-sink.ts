// One subscription, on the export worker: the events that pass its filter, gathered into a batch
// posted to the subscribing thread at every tick (or when full), unless maxPendingBatches posted
// batches are not yet handled there: then the batch is dropped and counted, so a slow callback
// costs its own events and never memory or the tracer's speed.

import type { MessagePort } from 'node:worker_threads'
import type { EventSchema } from '../../reader/event-schema.js'
import { guidText } from '../../reader/guid-text.js'
import type { FieldValue, TraceEvent } from '../../reader/trace-items.js'
import { DROPPED_SLOT, MATCHED_SLOT, PENDING_WORD, type ResolvedFilter, type SubscriptionMessage } from '../subscription.js'

const MAX_BATCH_EVENTS = 1024

/** Each schema's guid fields, which a subscriber gets as the reader gives them: text. */
const guidFields = new WeakMap<EventSchema, readonly string[]>()

/** `event` as a trace reader would give it: the worker decodes ids as bytes (EXPORT_DECODING). */
function asRead(event: TraceEvent, schema: EventSchema): TraceEvent {
  let names = guidFields.get(schema)
  if (names === undefined) {
    names = schema.fields.filter((field) => field.type === 'guid').map((field) => field.name)
    guidFields.set(schema, names)
  }
  if (names.length === 0) return event
  const fields: Record<string, FieldValue> = { ...event.fields }
  for (const name of names) {
    const value = fields[name]
    // Defined, not assigned: a field may be called `__proto__`.
    if (value instanceof Uint8Array) Object.defineProperty(fields, name, { value: guidText(value, 0), enumerable: true, writable: true, configurable: true })
  }
  return { ...event, fields }
}

export class SubscriberSink {
  private batch: TraceEvent[] = []
  private readonly pending: Int32Array
  private readonly counts: Float64Array
  private readonly names: Set<string> | null

  constructor(private readonly filter: ResolvedFilter, shared: SharedArrayBuffer, private readonly port: MessagePort) {
    this.pending = new Int32Array(shared, 0, 1)
    this.counts = new Float64Array(shared)
    this.names = filter.events === null ? null : new Set(filter.events)
  }

  /** `span`: the event is a span Start or Stop record. */
  offer(event: TraceEvent, schema: EventSchema, span: boolean): void {
    if (span && !this.filter.spans) return
    if (event.level !== 0 && event.level > this.filter.level) return
    if (this.names !== null && !this.names.has(event.name)) return
    this.counts[MATCHED_SLOT]!++
    this.batch.push(asRead(event, schema))
    if (this.batch.length >= MAX_BATCH_EVENTS) this.flush()
  }

  flush(): void {
    const events = this.batch
    if (events.length === 0) return
    this.batch = []
    if (Atomics.load(this.pending, PENDING_WORD) >= this.filter.maxPendingBatches) {
      this.counts[DROPPED_SLOT]! += events.length
      return
    }
    // Paired with the subscriber's Atomics.sub once its callback has run (subscription.ts).
    Atomics.add(this.pending, PENDING_WORD, 1)
    const message: SubscriptionMessage = { type: 'batch', events }
    this.port.postMessage(message)
  }

  close(): void {
    this.flush()
    this.port.close()
  }
}
