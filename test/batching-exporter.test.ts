// BatchingExporter's two answers to a full budget, through a real HttpExporter and a real receiver
// on 127.0.0.1: 'drop' (the live path) drops and counts at once; 'wait' (a trace file) keeps the
// batches, in order, until the budget has room, and at a shutdown deadline drops and counts what
// still waits. Also HttpExporter.whenRoomFor, which 'wait' is built on.

import { createServer } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { ExporterCounters, type ExporterStats } from '../src/export/http/exporter-counters.js'
import { HttpExporter } from '../src/export/http/http-exporter.js'
import { BatchingExporter, type FullBudget } from '../src/export/worker/batching-exporter.js'
import { startReceiver, type Receiver } from './helpers/http-receiver.js'
import { closedPortUrl } from './helpers/local-server.js'

const BUDGET = 64 << 10
/** Two fit in the budget, a third does not. */
const BODY_BYTES = 30 << 10
const SETTLE_MS = 10_000

const closers: { close(): Promise<void> }[] = []

afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()))
})

/** The exporter whose held bytes the receiver samples as it answers, and the most it saw. */
let watched: HttpExporter | undefined
let peakHeld = 0

async function receiver(delayMs: number): Promise<Receiver> {
  watched = undefined
  peakHeld = 0
  const r = await startReceiver({
    delayMs,
    respond: (res) => {
      peakHeld = Math.max(peakHeld, watched?.heldBytes ?? 0)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    },
  })
  closers.push(r)
  return r
}

interface Harness {
  counters: ExporterCounters
  http: HttpExporter
  batching: BatchingExporter<number>
}

/** One item per batch; the body is BODY_BYTES of the item's number, so the receiver can tell the order. */
function harness(url: URL, whenFull: FullBudget): Harness {
  const counters = new ExporterCounters()
  const http = new HttpExporter({
    name: 'otlp-logs', url, headers: {}, contentType: 'application/octet-stream', compression: 'none',
    timeoutMs: 1000, budgetBytes: BUDGET, retry: { initialMs: 5, maxMs: 20 },
  }, counters)
  watched = http
  const encode = (items: readonly number[]): Uint8Array => new Uint8Array(BODY_BYTES).fill(items[0]!)
  const batching = new BatchingExporter<number>('otlp-logs', counters, 1, 1000, encode, http, whenFull)
  return { counters, http, batching }
}

function addAll(h: Harness, count: number): void {
  for (let i = 0; i < count; i++) {
    h.counters.handOver(1)
    h.batching.add(i)
  }
}

function counts(counters: ExporterCounters): Omit<ExporterStats, 'lastError'> {
  const { lastError: _lastError, ...rest } = counters.snapshot()
  return rest
}

/** Six batches at once to a receiver that answers each after 20 ms, then a shutdown that lets them settle. */
async function sendSix(whenFull: FullBudget): Promise<{ h: Harness; r: Receiver }> {
  const r = await receiver(20)
  const h = harness(r.url, whenFull)
  addAll(h, 6)
  await h.batching.whenHandedOn()
  await h.batching.shutdown(Date.now() + SETTLE_MS)
  return { h, r }
}

describe('BatchingExporter when the budget is full', () => {
  it("drops and counts at once under 'drop'", async () => {
    const { h } = await sendSix('drop')
    expect(counts(h.counters)).toEqual({ handedOver: 6, exported: 2, failed: 0, dropped: 4, retried: 0, pending: 0 })
    expect(h.counters.lastError?.message).toBe(`otlp-logs: budget of ${BUDGET} bytes full (${2 * BODY_BYTES} held, batch of ${BODY_BYTES})`)
  })

  it("keeps the batches and sends them all, in order, within the budget under 'wait'", async () => {
    const { h, r } = await sendSix('wait')
    // Two held at a time, the budget's worth, while the others waited.
    expect(peakHeld).toBe(2 * BODY_BYTES)
    expect(counts(h.counters)).toEqual({ handedOver: 6, exported: 6, failed: 0, dropped: 0, retried: 0, pending: 0 })
    expect(r.received.map((q) => q.body[0])).toEqual([0, 1, 2, 3, 4, 5])
    expect(h.http.heldBytes).toBe(0)
  })

  it("drops and counts what still waits for room at the shutdown deadline under 'wait'", async () => {
    const h = harness(await closedPortUrl(createServer()), 'wait')
    addAll(h, 5)
    let handedOn = false
    void h.batching.whenHandedOn().then(() => { handedOn = true })
    await h.batching.shutdown(Date.now() + 200)
    expect({ handedOn, ...counts(h.counters) }).toEqual({ handedOn: true, handedOver: 5, exported: 0, failed: 0, dropped: 5, retried: expect.any(Number), pending: 0 })
  })
})

describe('HttpExporter#whenRoomFor()', () => {
  /** Whether `promise` settles within a turn of the event loop. */
  async function settlesNow(promise: Promise<void>): Promise<boolean> {
    let settled = false
    void promise.then(() => { settled = true })
    await new Promise((resolve) => setImmediate(resolve))
    return settled
  }

  it('resolves once a held batch is settled and the body fits, at once for a body that never can', async () => {
    const r = await receiver(50)
    const h = harness(r.url, 'drop')
    h.counters.handOver(2)
    h.http.send(new Uint8Array(BODY_BYTES), 1)
    h.http.send(new Uint8Array(BODY_BYTES), 1)
    expect(await settlesNow(h.http.whenRoomFor(BODY_BYTES))).toBe(false)
    expect(await settlesNow(h.http.whenRoomFor(BUDGET + 1))).toBe(true)
    await h.http.whenRoomFor(BODY_BYTES)
    expect(h.http.heldBytes).toBeLessThanOrEqual(BUDGET - BODY_BYTES)
    await h.http.shutdown(SETTLE_MS)
  })

  it('resolves when the exporter shuts down, so that a waiting sender is not left hanging', async () => {
    const h = harness(await closedPortUrl(createServer()), 'drop')
    h.counters.handOver(2)
    h.http.send(new Uint8Array(BODY_BYTES), 1)
    h.http.send(new Uint8Array(BODY_BYTES), 1)
    const room = h.http.whenRoomFor(BODY_BYTES)
    expect(await settlesNow(room)).toBe(false)
    const closed = h.http.shutdown(100)
    expect(await settlesNow(room)).toBe(true)
    await closed
    expect(counts(h.counters)).toMatchObject({ handedOver: 2, dropped: 2, pending: 0 })
  })
})
