// What the tracer's thread and its export worker share: the worker's start data, the messages
// between them, and the layout of the shared memory through which the tracer's thread reads the
// counters and waits for the end without a message round trip (stats() and closeSync() are
// synchronous).

import type { MessagePort } from 'node:worker_threads'
import type { ResolvedFilter } from './subscription.js'
import { EXPORTER_COUNTER_SLOTS } from './http/exporter-counters.js'
import type { ResolvedExport } from './export-options.js'
import type { Alert } from '../alerts/alert.js'

/** Where the worker takes chunks from. */
export type ChunkFeed =
  /** The native collector's live stream, taken by the worker itself. */
  | { kind: 'native'; liveId: number }
  /** The TS backend's: the tracer's thread takes them and posts them on `commands` (ChunkMessage). */
  | { kind: 'port' }

export interface ExportWorkerData {
  config: ResolvedExport
  provider: string
  feed: ChunkFeed
  /** Float64 counters: EXPORTER_COUNTER_SLOTS per exporter (exporterNames order), then PIPELINE_SLOTS. */
  counters: SharedArrayBuffer
  /** Int32 control words (CONTROL_*). */
  control: SharedArrayBuffer
  /** Each exporter's last error (SharedErrorSlots). */
  errors: SharedArrayBuffer
  /** The tracer's thread posts CloseMessage here, and ChunkMessages for the 'port' feed. */
  commands: MessagePort
  /** The worker posts AlertMessages here (alert rules). */
  alerts: MessagePort
}

export interface AlertMessage {
  type: 'alert'
  alert: Alert
  /** The rule asks for the alert as a line in the trace. */
  record: boolean
}

export interface ChunkMessage {
  type: 'chunks'
  bytes: Uint8Array
}

export interface SubscribeMessage {
  type: 'subscribe'
  id: number
  filter: ResolvedFilter
  /** SUBSCRIPTION_SHARED_BYTES (subscription.ts). */
  shared: SharedArrayBuffer
  /** The batches go here (transferred). */
  port: MessagePort
}

export interface UnsubscribeMessage {
  type: 'unsubscribe'
  id: number
}

/** What the tracer's thread posts on `commands`. */
export type CommandMessage = ChunkMessage | SubscribeMessage | UnsubscribeMessage | CloseMessage

export interface CloseMessage {
  type: 'close'
  /** Date.now() by which the worker must be done. */
  deadlineMs: number
}

/** control[CONTROL_STATE]: RUNNING until the worker has flushed at close (then DONE, notified). */
export const CONTROL_STATE = 0
/** control[CONTROL_IN_FLIGHT]: bytes posted to the worker and not yet decoded (TS backend). */
export const CONTROL_IN_FLIGHT = 1
export const CONTROL_WORDS = 2
export const STATE_RUNNING = 0
export const STATE_DONE = 1

/** Pipeline counters after the exporters' (Float64 slots). */
export const PipelineSlot = {
  /** Span Stops whose Start the worker never saw. */
  UnmatchedStops: 0,
  /** Alerts fired by the rules. */
  AlertsFired: 1,
  /** Times a rule's condition held while it was suppressed. */
  AlertsSuppressed: 2,
} as const
export const PIPELINE_SLOTS = 3

/** The exporters a configuration runs, in counter order. */
export function exporterNames(config: ResolvedExport): string[] {
  const names: string[] = []
  if (config.traces !== undefined) names.push('otlp-traces')
  if (config.logs !== undefined) names.push('otlp-logs')
  if (config.loki !== undefined) names.push('loki')
  if (config.console !== undefined) names.push('console')
  if (config.alerts?.webhook !== undefined) names.push('alert-webhook')
  return names
}

export function counterSlots(exporters: number): number {
  return exporters * EXPORTER_COUNTER_SLOTS + PIPELINE_SLOTS
}
