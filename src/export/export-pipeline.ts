// The tracer's side of an export: it opens the live stream its ring also feeds, starts the
// export worker, reads the worker's counters from shared memory, and at close waits for the
// worker within the deadline. With the native backend the worker takes the stream itself; with
// the TS backend, whose queue lives on this thread, a timer here posts what is queued to the
// worker (transferred, not copied), never more than the stream's budget in flight.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads'
import type { NativeBinding } from '../../binding.js'
import type { BackendName } from '../backend/select-backend.js'
import { EXPORTER_COUNTER_SLOTS, ExporterCounters, type ExporterStats } from './http/exporter-counters.js'
import { TracerError } from '../errors.js'
import type { ResolvedExport } from './export-options.js'
import { errorSlotsBytes, SharedErrorSlots } from './shared-error-slots.js'
import { checkFilter, Subscription, SUBSCRIPTION_SHARED_BYTES, type SubscribeFilter } from './subscription.js'
import type { TraceEvent } from '../reader/trace-items.js'
import { CONTROL_IN_FLIGHT, CONTROL_STATE, CONTROL_WORDS, counterSlots, exporterNames, PipelineSlot,
  STATE_RUNNING, type AlertMessage, type ChunkMessage, type CloseMessage, type ExportWorkerData, type SubscribeMessage,
  type UnsubscribeMessage } from './worker-protocol.js'

/** How often the TS backend's queue is handed to the worker. */
const POST_INTERVAL_MS = 10
const POST_BYTES = 1 << 20
/** Beyond the close deadline, what the worker gets to say it is done before it is given up. */
const CLOSE_GRACE_MS = 1000

export interface ExportStats {
  exporters: Record<string, ExporterStats>
  /** Span ends whose start the worker never saw (dropped from the stream, or traced before export began). */
  unmatchedStops: number
  /** Alerts the rules fired. */
  alertsFired: number
  /** Times a rule's condition held while the rule was suppressed. */
  alertsSuppressed: number
}

/** What the tracer's thread does with an alert the worker posts. */
export type AlertHandler = (message: AlertMessage) => void

/**
 * The worker's script. Compiled, it sits beside this file; run from the TypeScript sources (this
 * repository's tests), it is taken from dist/, which `npm run build` makes.
 */
function workerScript(): string {
  const compiled = join(__dirname, 'worker', 'export-worker.js')
  return existsSync(compiled) ? compiled : join(__dirname, '..', '..', 'dist', 'export', 'worker', 'export-worker.js')
}

export class ExportPipeline {
  private readonly names: string[]
  private readonly slots: Float64Array
  private readonly control: Int32Array
  private readonly errors: SharedErrorSlots
  private readonly worker: Worker
  private readonly commands: MessageChannel
  private readonly alerts: MessageChannel
  private readonly poster: NodeJS.Timeout | null
  private finished = false
  private released = false
  private readonly subscriptions = new Set<Subscription>()
  private nextSubscription = 1
  /** The worker's exit or crash, if it ended before close. */
  private workerFailure: Error | null = null

  /** Opens the live stream and starts the worker; the ring is attached to it with attach(). */
  constructor(
    private readonly binding: NativeBinding,
    backend: BackendName,
    private readonly config: ResolvedExport,
    provider: string,
    fileChunk: Uint8Array,
    private readonly onAlert: AlertHandler = () => {},
  ) {
    this.names = exporterNames(config)
    const counters = new SharedArrayBuffer(counterSlots(this.names.length) * 8)
    const control = new SharedArrayBuffer(CONTROL_WORDS * 4)
    const errors = new SharedArrayBuffer(Math.max(8, errorSlotsBytes(this.names.length)))
    this.slots = new Float64Array(counters)
    this.control = new Int32Array(control)
    this.errors = new SharedErrorSlots(errors)
    this.liveId = binding.openLiveStream(fileChunk, config.streamBytes)
    this.commands = new MessageChannel()
    this.alerts = new MessageChannel()
    this.alerts.port1.on('message', (message: AlertMessage) => this.onAlert(message))
    // Alert rules must not keep the process alive; at close the last alerts are taken by hand.
    this.alerts.port1.unref()
    const data: ExportWorkerData = {
      config,
      provider,
      feed: backend === 'native' ? { kind: 'native', liveId: this.liveId } : { kind: 'port' },
      counters,
      control,
      errors,
      commands: this.commands.port2,
      alerts: this.alerts.port2,
    }
    try {
      this.worker = new Worker(workerScript(), { workerData: data, transferList: [this.commands.port2, this.alerts.port2] })
    } catch (error) {
      binding.closeLiveStream(this.liveId)
      throw error
    }
    // An app that never closes its tracer can still end; the exit hooks close it (bounded).
    this.worker.unref()
    this.worker.on('error', (error) => this.failed(error))
    this.worker.on('exit', (code) => {
      if (!this.finished) this.failed(new Error(`the export worker exited with code ${code}`))
    })
    this.poster = backend === 'native' ? null : setInterval(() => this.post(), POST_INTERVAL_MS)
    this.poster?.unref()
  }

  readonly liveId: number

  /**
   * Queues the ring's chunks to the live stream from now on. `preamble`: its STREAM chunk, then
   * the SCHEMA chunks of the events registered so far (each padded to 8), queued as one so that
   * no drained EVENTS chunk can come between them.
   */
  attach(ringId: number, preamble: Uint8Array): void {
    this.binding.attachLiveStream(ringId, this.liveId, preamble)
  }

  /** Delivers matching decoded events to `callback`, in batches, on this thread. */
  subscribe(filter: SubscribeFilter, callback: (events: TraceEvent[]) => void): Subscription {
    const resolved = checkFilter(filter)
    if (typeof callback !== 'function') {
      throw new TracerError('INVALID_OPTION', 'ringtrace: subscribe(filter, callback): callback must be a function')
    }
    const id = this.nextSubscription++
    const shared = new SharedArrayBuffer(SUBSCRIPTION_SHARED_BYTES)
    const { port1, port2 } = new MessageChannel()
    const subscription = new Subscription(id, shared, port1, callback, (ended) => {
      this.subscriptions.delete(ended)
      const message: UnsubscribeMessage = { type: 'unsubscribe', id }
      if (!this.finished) this.commands.port1.postMessage(message)
    })
    const message: SubscribeMessage = { type: 'subscribe', id, filter: resolved, shared, port: port2 }
    this.commands.port1.postMessage(message, [port2])
    this.subscriptions.add(subscription)
    return subscription
  }

  stats(): ExportStats {
    const exporters: Record<string, ExporterStats> = {}
    this.names.forEach((name, i) => {
      const slots = this.slots.subarray(i * EXPORTER_COUNTER_SLOTS, (i + 1) * EXPORTER_COUNTER_SLOTS)
      const lastError = this.workerFailure === null ? this.errors.read(i)
        : { message: `the export worker stopped: ${this.workerFailure.message}`, at: this.failedAt }
      exporters[name] = ExporterCounters.read(slots, lastError)
    })
    const base = this.names.length * EXPORTER_COUNTER_SLOTS
    return {
      exporters,
      unmatchedStops: this.slots[base + PipelineSlot.UnmatchedStops]!,
      alertsFired: this.slots[base + PipelineSlot.AlertsFired]!,
      alertsSuppressed: this.slots[base + PipelineSlot.AlertsSuppressed]!,
    }
  }

  /**
   * Lets the worker send what it holds, blocking this thread until it is done or the deadline
   * (closeTimeoutMs) passes: the exit hooks cannot wait for a promise.
   */
  finishSync(): void {
    const deadline = this.startFinish()
    if (deadline === undefined) return
    Atomics.wait(this.control, CONTROL_STATE, STATE_RUNNING, Math.max(0, deadline + CLOSE_GRACE_MS - Date.now()))
    this.drainSubscriptions()
  }

  /** finishSync(), without blocking this thread. */
  async finish(): Promise<void> {
    const deadline = this.startFinish()
    if (deadline === undefined) return
    const wait = Atomics.waitAsync(this.control, CONTROL_STATE, STATE_RUNNING, Math.max(0, deadline + CLOSE_GRACE_MS - Date.now()))
    if (wait.async) await wait.value
    this.drainSubscriptions()
  }

  /** The worker's last batches and alerts, handed over before close returns. */
  private drainSubscriptions(): void {
    for (const subscription of [...this.subscriptions]) subscription.unsubscribe()
    for (let m = receiveMessageOnPort(this.alerts.port1); m !== undefined; m = receiveMessageOnPort(this.alerts.port1)) {
      this.onAlert(m.message as AlertMessage)
    }
  }

  /** Stops the worker and frees the live stream. After finish(), or instead of it. */
  release(): void {
    if (this.released) return
    this.released = true
    for (const subscription of [...this.subscriptions]) subscription.unsubscribe()
    this.finished = true
    if (this.poster !== null) clearInterval(this.poster)
    void this.worker.terminate()
    this.commands.port1.close()
    this.alerts.port1.close()
    this.binding.closeLiveStream(this.liveId)
  }

  /**
   * The worker ended early (never expected: a ringtrace bug, or the worker could not start): said
   * once as a process warning, and as every exporter's lastError from then on.
   */
  private failed(error: Error): void {
    if (this.workerFailure !== null) return
    this.workerFailure = error
    this.failedAt = Date.now()
    process.emitWarning(`ringtrace: the export worker stopped, nothing more is exported: ${error.message}`, { code: 'RINGTRACE_EXPORT_WORKER' })
  }

  private failedAt = 0

  /** Posts what is left and the close message; the deadline, or undefined when already finished. */
  private startFinish(): number | undefined {
    if (this.finished) return undefined
    this.finished = true
    if (this.poster !== null) {
      clearInterval(this.poster)
      this.post(Infinity)
    }
    const deadlineMs = Date.now() + this.config.closeTimeoutMs
    const message: CloseMessage = { type: 'close', deadlineMs }
    this.commands.port1.postMessage(message)
    return this.workerFailure === null ? deadlineMs : undefined
  }

  /** TS backend: hands queued chunks to the worker while less than the stream's budget is in flight. */
  private post(budget = this.config.streamBytes): void {
    while (Atomics.load(this.control, CONTROL_IN_FLIGHT) < budget) {
      const bytes = this.binding.takeLiveChunks(this.liveId, POST_BYTES)
      if (bytes === null) return
      Atomics.add(this.control, CONTROL_IN_FLIGHT, bytes.length)
      const message: ChunkMessage = { type: 'chunks', bytes }
      this.commands.port1.postMessage(message, [bytes.buffer as ArrayBuffer])
    }
  }
}
