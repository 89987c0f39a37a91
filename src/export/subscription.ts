// tracer.subscribe(): decoded events delivered in batches to a callback on the subscribing
// thread. The export worker decodes and filters; this thread only receives the batches (a
// MessagePort) and runs the callback, never on the hot path. A subscriber that falls behind
// never slows tracing: the worker keeps at most maxPendingBatches posted and not yet handled,
// and drops (and counts) the batches past them.

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { TracerError, describeValue } from '../errors.js'
import { checkKnownKeys } from '../option-keys.js'
import type { TraceEvent } from '../reader/trace-items.js'

export interface SubscribeFilter {
  /** Names of the events to deliver (default: every event). */
  events?: readonly string[]
  /** The most verbose level delivered, 0 to 5 (default 5, all); LogAlways (0) events always pass. */
  level?: number
  /** Also deliver span Start and Stop records (default false). */
  spans?: boolean
  /** Batches posted and not yet handled at most, 1 to 1024 (default 16); past them batches are dropped and counted. */
  maxPendingBatches?: number
}

export interface ResolvedFilter {
  events: string[] | null
  level: number
  spans: boolean
  maxPendingBatches: number
}

export interface SubscriptionStats {
  /** Events the worker matched: delivered + dropped + still on their way. */
  matched: number
  /** Events handed to the callback. */
  delivered: number
  /** Events in batches dropped because maxPendingBatches were waiting. */
  dropped: number
  /** Calls of the callback that threw (the error is not rethrown: see lastError). */
  callbackErrors: number
  lastError: unknown
}

const FILTER_KEYS = Object.keys({ events: true, level: true, spans: true, maxPendingBatches: true } satisfies Record<keyof SubscribeFilter, true>)

function invalid(name: string, expected: string, value: unknown): TracerError {
  return new TracerError('INVALID_OPTION', `ringtrace: subscribe(): ${name} must be ${expected}, got ${describeValue(value)}`)
}

export function checkFilter(filter: unknown): ResolvedFilter {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw invalid('the filter', "an object such as { events: ['Request'] }", filter)
  checkKnownKeys(filter, FILTER_KEYS, 'subscribe filter.')
  const { events, level = 5, spans = false, maxPendingBatches = 16 } = filter as SubscribeFilter
  if (events !== undefined && (!Array.isArray(events) || !events.every((e) => typeof e === 'string'))) throw invalid('events', 'an array of event names', events)
  if (!Number.isInteger(level) || level < 0 || level > 255) throw invalid('level', 'an integer from 0 to 255', level)
  if (typeof spans !== 'boolean') throw invalid('spans', 'a boolean', spans)
  if (!Number.isInteger(maxPendingBatches) || maxPendingBatches < 1 || maxPendingBatches > 1024) throw invalid('maxPendingBatches', 'an integer from 1 to 1024', maxPendingBatches)
  return { events: events === undefined ? null : [...events], level, spans, maxPendingBatches }
}

/** The shared words of one subscription: [0] batches pending (Int32), [1] matched, [2] dropped (Float64). */
export const SUBSCRIPTION_SHARED_BYTES = 24
export const PENDING_WORD = 0
export const MATCHED_SLOT = 1
export const DROPPED_SLOT = 2

export interface SubscriptionMessage {
  type: 'batch'
  events: TraceEvent[]
}

export class Subscription {
  private readonly pending: Int32Array
  private readonly counts: Float64Array
  private delivered = 0
  private callbackErrors = 0
  private lastError: unknown = undefined
  private active = true

  constructor(
    readonly id: number,
    shared: SharedArrayBuffer,
    private readonly port: MessagePort,
    private readonly callback: (events: TraceEvent[]) => void,
    private readonly onUnsubscribe: (subscription: Subscription) => void,
  ) {
    this.pending = new Int32Array(shared, 0, 1)
    this.counts = new Float64Array(shared)
    port.on('message', (message: SubscriptionMessage) => this.handle(message))
    // Subscribing must not keep the process alive; the tracer's exit hooks end it.
    port.unref()
  }

  get stats(): SubscriptionStats {
    return {
      matched: this.counts[MATCHED_SLOT]!,
      delivered: this.delivered,
      dropped: this.counts[DROPPED_SLOT]!,
      callbackErrors: this.callbackErrors,
      lastError: this.lastError,
    }
  }

  /** Stops delivery; batches already received are still handed over first. Idempotent. */
  unsubscribe(): void {
    if (!this.active) return
    this.drain()
    this.active = false
    this.port.close()
    this.onUnsubscribe(this)
  }

  /** Hands over every batch that has arrived (at close, so that close() resolves after them). */
  drain(): void {
    if (!this.active) return
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      this.handle(m.message as SubscriptionMessage)
    }
  }

  private handle(message: SubscriptionMessage): void {
    if (!this.active) return
    try {
      this.callback(message.events)
    } catch (error) {
      this.callbackErrors++
      this.lastError = error
    } finally {
      this.delivered += message.events.length
      // Paired with the worker's Atomics.add when it posted the batch (subscriber-sink.ts).
      Atomics.sub(this.pending, PENDING_WORD, 1)
    }
  }
}
