// The HTTP delivery layer against a real receiver behind a fault-injecting proxy: every peer
// behaviour ends in a counted outcome, held memory stays within the budget, and shutdown keeps
// its deadline. Backoff values are tiny so retries cost milliseconds; the Retry-After cases wait
// the (short) time the receiver asks for and assert only that minimum.

import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { TracerError } from '../src/errors.js'
import { ExporterCounters, type ExporterStats } from '../src/export/http/exporter-counters.js'
import { RESPONSE_BODY_LIMIT } from '../src/export/http/http-exchange.js'
import { HttpExporter, type HttpExporterOptions } from '../src/export/http/http-exporter.js'
import { packageVersion } from '../src/package-version.js'
import { startFaultProxy, type Fault, type FaultPlan, type FaultProxy } from './helpers/fault-proxy.js'
import { startReceiver, type Receiver, type ReceiverOptions } from './helpers/http-receiver.js'
import { closedPortUrl } from './helpers/local-server.js'

/** Fast settings: retries after a few ms, a batch gives up after 5 s, a silent peer is cut at 1 s. */
const BASE: Omit<HttpExporterOptions, 'url'> = {
  name: 'otlp-traces',
  headers: {},
  contentType: 'application/x-protobuf',
  compression: 'none',
  timeoutMs: 1000,
  concurrency: 2,
  budgetBytes: 1 << 20,
  maxRetryMs: 5000,
  retry: { initialMs: 5, maxMs: 20 },
}

const execFileAsync = promisify(execFile)
const EXIT_CHILD = join(__dirname, 'fixtures', 'exporter-exit-child.js')

/** More than enough for every test's retries; the tests that exercise the deadline pass their own. */
const SETTLE_MS = 10_000

interface Harness {
  exporter: HttpExporter
  counters: ExporterCounters
  /** Hands a batch over the way the worker does: count it, then send it. */
  send(body: Uint8Array, items: number): boolean
}

const harnesses: Harness[] = []
const closers: Array<{ close(): Promise<void> }> = []

afterEach(async () => {
  for (const { exporter, counters } of harnesses.splice(0)) {
    await exporter.shutdown(SETTLE_MS)
    const { handedOver, exported, failed, dropped, pending } = counters.snapshot()
    expect({ handedOver, settled: exported + failed + dropped + pending, pending }, 'handedOver = exported + failed + dropped + pending').toEqual({ handedOver, settled: handedOver, pending: 0 })
    expect(exporter.heldBytes).toBe(0)
  }
  await Promise.all(closers.splice(0).map((c) => c.close()))
})

function harness(url: URL, options: Partial<HttpExporterOptions> = {}): Harness {
  const counters = new ExporterCounters()
  const exporter = new HttpExporter({ ...BASE, ...options, url }, counters)
  const h: Harness = { exporter, counters, send: (body, items) => { counters.handOver(items); return exporter.send(body, items) } }
  harnesses.push(h)
  return h
}

async function receiver(options?: ReceiverOptions): Promise<Receiver> {
  const r = await startReceiver(options)
  closers.push(r)
  return r
}

/** A receiver at /v1/traces behind a proxy that plays `plan`. */
async function faulty(plan: FaultPlan, options?: ReceiverOptions): Promise<{ proxy: FaultProxy; receiver: Receiver }> {
  const r = await receiver(options)
  const proxy = await startFaultProxy(new URL('/v1/traces', r.url), plan)
  closers.unshift(proxy)
  return { proxy, receiver: r }
}

function payload(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

function stats(counters: ExporterCounters): Omit<ExporterStats, 'lastError'> {
  const { lastError: _lastError, ...rest } = counters.snapshot()
  return rest
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('HttpExporter: delivery', () => {
  it('posts the body with the framing headers, the User-Agent and the user headers, and counts it exported', async () => {
    const { proxy, receiver: r } = await faulty([])
    const { exporter, counters, send } = harness(proxy.url, { headers: { authorization: 'Bearer t0ken', 'x-scope-orgid': 'tenant-1' } })
    expect(send(payload('three spans'), 3)).toBe(true)
    await exporter.shutdown(SETTLE_MS)
    expect(r.received.map((q) => ({ method: q.method, path: q.path, body: q.body.toString() }))).toEqual([{ method: 'POST', path: '/v1/traces', body: 'three spans' }])
    expect(r.received[0]!.headers).toMatchObject({
      'content-type': 'application/x-protobuf',
      'content-length': String('three spans'.length),
      'user-agent': `ringtrace/${packageVersion()}`,
      authorization: 'Bearer t0ken',
      'x-scope-orgid': 'tenant-1',
    })
    expect(r.received[0]!.headers['content-encoding']).toBeUndefined()
    expect(stats(counters)).toEqual({ handedOver: 3, exported: 3, failed: 0, dropped: 0, retried: 0, pending: 0 })
    expect(counters.lastError).toBeNull()
  })

  it('gzips the body and says so with Content-Encoding', async () => {
    const r = await receiver()
    const { exporter, counters, send } = harness(new URL('/v1/logs', r.url), { compression: 'gzip' })
    const text = 'log line\n'.repeat(1000)
    send(payload(text), 1000)
    await exporter.shutdown(SETTLE_MS)
    expect(r.received.map((q) => q.body.toString())).toEqual([text])
    expect(r.received[0]!.headers['content-encoding']).toBe('gzip')
    expect(r.received[0]!.headers['content-length']).toBe(String(r.received[0]!.wireBytes))
    expect(r.received[0]!.wireBytes).toBeLessThan(text.length)
    expect(counters.snapshot()).toMatchObject({ exported: 1000, pending: 0 })
  })

  it('keeps at most `concurrency` requests in flight', async () => {
    const r = await receiver({ delayMs: 30 })
    const { exporter, counters, send } = harness(r.url, { concurrency: 3 })
    for (let i = 0; i < 12; i++) send(payload(`batch ${i}`), 1)
    await exporter.shutdown(SETTLE_MS)
    expect(r.received.map((q) => q.body.toString()).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `batch ${i}`).sort())
    expect(r.maxInFlight).toBe(3)
    expect(counters.snapshot()).toMatchObject({ exported: 12, pending: 0 })
  })

  it('counts the items a partial success rejects as failed, with the receiver\'s message', async () => {
    const r = await receiver({
      respond: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ partialSuccess: { rejectedSpans: 2, errorMessage: 'span name\nempty' } })),
    })
    const { exporter, counters, send } = harness(r.url, {
      readPartialSuccess: (contentType, body) => {
        expect(contentType).toBe('application/json')
        const { partialSuccess } = JSON.parse(new TextDecoder().decode(body)) as { partialSuccess: { rejectedSpans: number; errorMessage: string } }
        return { rejected: partialSuccess.rejectedSpans, message: partialSuccess.errorMessage }
      },
    })
    send(payload('five spans'), 5)
    await exporter.shutdown(SETTLE_MS)
    expect(stats(counters)).toEqual({ handedOver: 5, exported: 3, failed: 2, dropped: 0, retried: 0, pending: 0 })
    expect(counters.lastError).toMatchObject({ status: 200, message: 'otlp-traces: receiver rejected 2 of 5 items: span name empty' })
  })
})

describe('HttpExporter: failure rules', () => {
  it.each([429, 502, 503, 504])('retries a %i and then delivers', async (status) => {
    const { proxy, receiver: r } = await faulty([{ kind: 'status', status }, { kind: 'status', status }])
    const { exporter, counters, send } = harness(proxy.url)
    send(payload('batch'), 4)
    await exporter.shutdown(SETTLE_MS)
    expect(proxy.requests.map((q) => [q.fault, q.body.toString()])).toEqual([['status', 'batch'], ['status', 'batch'], ['pass', 'batch']])
    expect(r.received).toHaveLength(1)
    expect(stats(counters)).toEqual({ handedOver: 4, exported: 4, failed: 0, dropped: 0, retried: 2, pending: 0 })
    // The outage is visible in lastError while it lasts, and after.
    expect(counters.lastError).toMatchObject({ status })
  })

  it('sends a batch that is being retried before the batches sent after it', async () => {
    const { receiver: r, proxy } = await faulty([{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }])
    const { exporter, send } = harness(proxy.url, { concurrency: 1 })
    send(payload('first'), 1)
    send(payload('second'), 1)
    await exporter.shutdown(SETTLE_MS)
    expect(proxy.requests.map((q) => q.body.toString())).toEqual(['first', 'first', 'first', 'second'])
    expect(r.received.map((q) => q.body.toString())).toEqual(['first', 'second'])
  })

  it.each([
    ['honours Retry-After in delta-seconds', '1', undefined, 1000],
    ['cuts a Retry-After longer than retryAfterCapMs to the cap', '3600', 200, 200],
  ])('%s', async (_name, retryAfter, retryAfterCapMs, waitMs) => {
    const { proxy } = await faulty([{ kind: 'status', status: 429, headers: { 'retry-after': retryAfter } }])
    const { exporter, counters, send } = harness(proxy.url, { retryAfterCapMs })
    send(payload('batch'), 1)
    await exporter.shutdown(SETTLE_MS)
    expect(proxy.requests).toHaveLength(2)
    // Timers run on the loop's cached clock, which can lag performance.now() by a millisecond or so.
    expect(proxy.requests[1]!.at - proxy.requests[0]!.at).toBeGreaterThanOrEqual(waitMs - 5)
    expect(counters.snapshot()).toMatchObject({ exported: 1, retried: 1 })
  })

  it('honours Retry-After as an HTTP-date', async () => {
    let askedAt = 0
    let askedWaitMs = 0
    const { proxy } = await faulty((index): Fault => {
      if (index > 0) return { kind: 'pass' }
      // HTTP-dates have whole seconds: the next second but one is between 1 and 2 s away.
      const retryAt = Math.ceil(Date.now() / 1000) * 1000 + 1000
      askedAt = performance.now()
      askedWaitMs = retryAt - Date.now()
      return { kind: 'status', status: 503, headers: { 'retry-after': new Date(retryAt).toUTCString() } }
    })
    const { exporter, counters, send } = harness(proxy.url)
    send(payload('batch'), 1)
    await exporter.shutdown(SETTLE_MS)
    expect(proxy.requests).toHaveLength(2)
    expect(proxy.requests[1]!.at - askedAt).toBeGreaterThanOrEqual(askedWaitMs - 5)
    expect(counters.snapshot()).toMatchObject({ exported: 1, retried: 1 })
  })

  it('fails a batch for good when the receiver asks for a wait beyond maxRetryMs', async () => {
    const { proxy } = await faulty([{ kind: 'status', status: 503, headers: { 'retry-after': '30' } }])
    const { exporter, counters, send } = harness(proxy.url, { maxRetryMs: 500 })
    send(payload('batch'), 2)
    await exporter.shutdown(SETTLE_MS)
    expect(proxy.requests).toHaveLength(1)
    expect(stats(counters)).toEqual({ handedOver: 2, exported: 0, failed: 2, dropped: 0, retried: 0, pending: 0 })
    expect(counters.lastError).toMatchObject({ status: 503, message: 'otlp-traces: HTTP 503 (gave up after 1 attempts, retry limit 500 ms)' })
  })

  it.each([
    [400, 'bad\u0007 payload:\r\n\tspan 3 has no name', 'bad payload: span 3 has no name'],
    [500, 'internal\u0000error', 'internal error'],
    [413, '', ''],
  ])('fails a %i for good, without retrying, with the status and a sanitised excerpt of the body', async (status, body, excerpt) => {
    const { proxy } = await faulty([{ kind: 'status', status, body }])
    const { exporter, counters, send } = harness(proxy.url)
    send(payload('batch'), 7)
    await exporter.shutdown(SETTLE_MS)
    expect(proxy.requests).toHaveLength(1)
    expect(stats(counters)).toEqual({ handedOver: 7, exported: 0, failed: 7, dropped: 0, retried: 0, pending: 0 })
    expect(counters.lastError).toMatchObject({ status, message: `otlp-traces: HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}` })
  })

  it('keeps at most 200 characters of an error body', async () => {
    const { proxy } = await faulty([{ kind: 'status', status: 400, body: 'é'.repeat(5000) }])
    const { exporter, counters, send } = harness(proxy.url)
    send(payload('batch'), 1)
    await exporter.shutdown(SETTLE_MS)
    expect(counters.lastError?.message).toBe(`otlp-traces: HTTP 400: ${'é'.repeat(200)}…`)
  })

  it('takes the message of an error body from readErrorMessage, and the excerpt when the reader throws', async () => {
    const status = JSON.stringify({ code: 3, message: 'invalid span id' })
    const { proxy } = await faulty([{ kind: 'status', status: 400, headers: { 'content-type': 'application/json' }, body: status }, { kind: 'status', status: 400, body: 'not json' }])
    const { exporter, counters, send } = harness(proxy.url, {
      concurrency: 1,
      readErrorMessage: (_contentType, body) => (JSON.parse(new TextDecoder().decode(body)) as { message: string }).message,
    })
    send(payload('first'), 1)
    await until(() => counters.snapshot().failed === 1)
    expect(counters.lastError).toMatchObject({ status: 400, message: 'otlp-traces: HTTP 400: invalid span id' })
    send(payload('second'), 1)
    await exporter.shutdown(SETTLE_MS)
    expect(counters.lastError).toMatchObject({ status: 400, message: 'otlp-traces: HTTP 400: not json' })
  })

  it('ignores a malformed Retry-After and retries with backoff', async () => {
    const { proxy } = await faulty([{ kind: 'status', status: 429, headers: { 'retry-after': 'in a while' } }])
    const { exporter, counters, send } = harness(proxy.url)
    send(payload('batch'), 1)
    await exporter.shutdown(SETTLE_MS)
    expect(proxy.requests.map((q) => q.fault)).toEqual(['status', 'pass'])
    expect(counters.snapshot()).toMatchObject({ exported: 1, retried: 1 })
  })
})

describe('HttpExporter: hostile and broken peers', () => {
  it.each([
    ['never answers', { kind: 'never' }, 200],
    ['trickles its answer a byte at a time', { kind: 'slow', byteIntervalMs: 20 }, 300],
  ] as Array<[string, Fault, number]>)('cuts a peer that %s at timeoutMs and retries', async (_name, fault, timeoutMs) => {
    const { proxy } = await faulty([fault])
    const { exporter, counters, send } = harness(proxy.url, { timeoutMs })
    send(payload('batch'), 1)
    await exporter.shutdown(SETTLE_MS)
    expect(proxy.requests.map((q) => q.fault)).toEqual([fault.kind, 'pass'])
    expect(proxy.requests[1]!.at - proxy.requests[0]!.at).toBeGreaterThanOrEqual(timeoutMs - 5)
    await until(() => proxy.requests[0]!.socketClosed)
    expect(counters.snapshot()).toMatchObject({ exported: 1, retried: 1 })
  })

  it.each(['reset', 'hangup'] as const)('retries after a connection %s', async (kind) => {
    const { proxy } = await faulty([{ kind }, { kind }])
    const { exporter, counters, send } = harness(proxy.url)
    send(payload('batch'), 1)
    await exporter.shutdown(SETTLE_MS)
    expect(proxy.requests.map((q) => q.fault)).toEqual([kind, kind, 'pass'])
    expect(counters.snapshot()).toMatchObject({ exported: 1, retried: 2 })
  })

  it('fails for good on an answer that is not HTTP', async () => {
    const { proxy } = await faulty([{ kind: 'garbage' }])
    const { exporter, counters, send } = harness(proxy.url)
    send(payload('batch'), 3)
    await exporter.shutdown(SETTLE_MS)
    expect(proxy.requests).toHaveLength(1)
    expect(stats(counters)).toEqual({ handedOver: 3, exported: 0, failed: 3, dropped: 0, retried: 0, pending: 0 })
    expect(counters.lastError?.message).toMatch(/^otlp-traces: Parse Error/)
  })

  it('reads at most 64 KiB of an endless body, hangs up, and counts the 200 as exported', async () => {
    const { proxy } = await faulty([{ kind: 'endless' }])
    const { exporter, counters, send } = harness(proxy.url, {
      readPartialSuccess: (_contentType, body) => {
        expect(body.byteLength).toBe(RESPONSE_BODY_LIMIT)
        return { rejected: 0, message: '' }
      },
    })
    send(payload('batch'), 2)
    await exporter.shutdown(SETTLE_MS)
    await until(() => proxy.requests[0]!.socketClosed)
    expect(proxy.requests).toHaveLength(1)
    expect(stats(counters)).toEqual({ handedOver: 2, exported: 2, failed: 0, dropped: 0, retried: 0, pending: 0 })
  })

  it('retries a refused connection until maxRetryMs, then fails for good', async () => {
    const url = await closedPortUrl(createServer())
    const { exporter, counters, send } = harness(url, { maxRetryMs: 300, retry: { initialMs: 20, maxMs: 40 } })
    const start = Date.now()
    send(payload('batch'), 5)
    await exporter.shutdown(SETTLE_MS)
    const { retried, lastError, ...rest } = counters.snapshot()
    expect(rest).toEqual({ handedOver: 5, exported: 0, failed: 5, dropped: 0, pending: 0 })
    expect(retried).toBeGreaterThanOrEqual(300 / 40)
    expect(lastError?.message).toMatch(/^otlp-traces: connect ECONNREFUSED .* \(gave up after \d+ attempts, retry limit 300 ms\)$/)
    expect(lastError!.at - start).toBeGreaterThanOrEqual(300)
  })
})

describe('HttpExporter: budget and shutdown', () => {
  it('drops what does not fit the budget and never holds more than it, with a down endpoint', async () => {
    const url = await closedPortUrl(createServer())
    const budgetBytes = 10 * 1024
    const { exporter, counters, send } = harness(url, { budgetBytes })
    const held: number[] = []
    const taken: boolean[] = []
    for (let i = 0; i < 100; i++) {
      taken.push(send(new Uint8Array(1000), 10))
      held.push(exporter.heldBytes)
    }
    expect(taken).toEqual(Array.from({ length: 100 }, (_, i) => i < 10))
    expect(Math.max(...held)).toBe(10_000)
    expect(counters.snapshot()).toMatchObject({ handedOver: 1000, dropped: 900, pending: 100 })
    expect(counters.lastError?.message).toBe('otlp-traces: budget of 10240 bytes full (10000 held, batch of 1000)')
    await exporter.shutdown(50)
    expect(counters.snapshot()).toMatchObject({ handedOver: 1000, exported: 0, dropped: 1000, pending: 0 })
  })

  it('makes room in the budget as batches are delivered', async () => {
    const r = await receiver()
    const { exporter, counters, send } = harness(r.url, { budgetBytes: 4000 })
    for (let i = 0; i < 4; i++) expect(send(new Uint8Array(1000), 1)).toBe(true)
    expect(send(new Uint8Array(1000), 1)).toBe(false)
    await until(() => exporter.heldBytes === 0)
    expect(send(new Uint8Array(1000), 1)).toBe(true)
    await exporter.shutdown(SETTLE_MS)
    expect(stats(counters)).toEqual({ handedOver: 6, exported: 5, failed: 0, dropped: 1, retried: 0, pending: 0 })
  })

  it('resolves shutdown at the deadline with a dead endpoint, counting what is left dropped', async () => {
    const { proxy } = await faulty(() => ({ kind: 'never' }))
    const { exporter, counters, send } = harness(proxy.url, { timeoutMs: 60_000 })
    for (let i = 0; i < 5; i++) send(payload(`batch ${i}`), 2)
    await until(() => proxy.requests.length === 2)
    const start = performance.now()
    await exporter.shutdown(200)
    expect(performance.now() - start).toBeGreaterThanOrEqual(200 - 5)
    expect(stats(counters)).toEqual({ handedOver: 10, exported: 0, failed: 0, dropped: 10, retried: 0, pending: 0 })
    expect(counters.lastError?.message).toBe('otlp-traces: close deadline: still unsent')
    expect(exporter.heldBytes).toBe(0)
    await until(() => proxy.requests.every((q) => q.socketClosed))
  })

  it('leaves nothing behind that keeps a process from exiting once shutdown resolved', async () => {
    const { proxy } = await faulty(() => ({ kind: 'never' }))
    // A leaked timer or socket would hold the child until the kill: the error says it was killed.
    const { stdout } = await execFileAsync(process.execPath, [EXIT_CHILD, proxy.url.href], { timeout: 10_000 })
    const { lastError, ...counts } = JSON.parse(stdout) as ExporterStats
    expect(counts).toEqual({ handedOver: 10, exported: 0, failed: 0, dropped: 10, retried: 0, pending: 0 })
    expect(lastError?.message).toBe('otlp-logs: close deadline: still unsent')
  })

  it('delivers everything queued before shutdown resolves', async () => {
    const r = await receiver({ delayMs: 10 })
    const { exporter, counters, send } = harness(r.url, { concurrency: 1 })
    for (let i = 0; i < 5; i++) send(payload(`batch ${i}`), 1)
    await exporter.shutdown(SETTLE_MS)
    expect(r.received.map((q) => q.body.toString())).toEqual(['batch 0', 'batch 1', 'batch 2', 'batch 3', 'batch 4'])
    expect(counters.snapshot()).toMatchObject({ exported: 5, pending: 0 })
  })

  it('refuses and counts batches sent after shutdown began', async () => {
    const r = await receiver()
    const { exporter, counters, send } = harness(r.url)
    const closing = exporter.shutdown(SETTLE_MS)
    expect(send(payload('late'), 4)).toBe(false)
    await closing
    expect(r.received).toEqual([])
    expect(stats(counters)).toEqual({ handedOver: 4, exported: 0, failed: 0, dropped: 4, retried: 0, pending: 0 })
    expect(counters.lastError?.message).toBe('otlp-traces: shutting down, batch not taken')
  })
})

describe('HttpExporter: options', () => {
  const url = new URL('http://127.0.0.1:4318/v1/traces')
  const counters = new ExporterCounters()

  it.each([
    ['an ftp: url', { url: new URL('ftp://127.0.0.1/') }, 'ringtrace: otlp-traces exporter: url must be an http: or https: URL, got ftp://127.0.0.1/'],
    ['a zero timeoutMs', { timeoutMs: 0 }, 'ringtrace: otlp-traces exporter: timeoutMs must be a positive integer, got 0'],
    ['a fractional concurrency', { concurrency: 1.5 }, 'ringtrace: otlp-traces exporter: concurrency must be a positive integer, got 1.5'],
    ['a NaN budgetBytes', { budgetBytes: Number.NaN }, 'ringtrace: otlp-traces exporter: budgetBytes must be a positive integer, got NaN'],
    ['a negative backoff', { retry: { initialMs: -1 } }, 'ringtrace: otlp-traces exporter: retry.initialMs must be a positive integer, got -1'],
    ['a shrinking backoff', { retry: { multiplier: 0.5 } }, 'ringtrace: otlp-traces exporter: retry.multiplier must be a number from 1 to 10, got 0.5'],
    ['a framing header', { headers: { 'Content-Length': '3' } }, 'ringtrace: otlp-traces exporter: headers["Content-Length"] frames the request and is set by the exporter'],
    ['a header value with a newline', { headers: { 'x-token': 'secret\nvalue' } }, /^ringtrace: otlp-traces exporter: headers\["x-token"\] is not a valid HTTP header: (?!.*secret)/],
    ['a header name with a space', { headers: { 'bad name': 'v' } }, /^ringtrace: otlp-traces exporter: headers\["bad name"\] is not a valid HTTP header: /],
  ] as Array<[string, Partial<HttpExporterOptions>, string | RegExp]>)('refuses %s with a TracerError', (_description, options, message) => {
    const construct = (): HttpExporter => new HttpExporter({ ...BASE, url, ...options }, counters)
    expect(construct).toThrow(TracerError)
    expect(construct).toThrow(message)
  })
})
