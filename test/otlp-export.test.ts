import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { MockOtlpServer, normalizeLogs, normalizeTrace } from '@elastic/mockotlpserver'
import { createTracer, t, type Tracer, type TracerOptions } from '../src/index.js'
import type { ExporterStats } from '../src/export/http/exporter-counters.js'
import { BACKENDS } from './helpers/backends.js'
import { runChild } from './helpers/child-process.js'
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js'
import { startReceiver, type Receiver } from './helpers/http-receiver.js'
import { decodeJson, decodeProto, ExportLogsServiceRequest, ExportTraceServiceRequest } from './helpers/otlp-protos.js'
import { readEvents, tracePath } from './helpers/trace-files.js'
import { summarizeTrace } from '../src/reader/index.js'

// Live export end to end: a real tracer on each backend, its export worker, and real receivers:
// @elastic/mockotlpserver (decoding with the official protos), the suite's own receiver for
// gzip and JSON bodies, and the fault-injecting proxy in front of it.

interface Normalized {
  resourceSpans?: { resource: { attributes: Record<string, unknown> }; scopeSpans: { scope: unknown; spans: Record<string, unknown>[] }[] }[]
  resourceLogs?: { resource: { attributes: Record<string, unknown> }; scopeLogs: { scope: unknown; logRecords: Record<string, unknown>[] }[] }[]
}

let mock: MockOtlpServer
const mockSpans: Record<string, unknown>[] = []
const mockLogs: Record<string, unknown>[] = []
const mockResources: Record<string, unknown>[] = []

beforeAll(async () => {
  mock = new MockOtlpServer({
    logLevel: 'error', services: ['http'], httpHostname: '127.0.0.1', httpPort: 0,
    onTrace: (request: unknown) => {
      for (const rs of (normalizeTrace(request) as Normalized).resourceSpans ?? []) {
        mockResources.push(rs.resource.attributes)
        for (const ss of rs.scopeSpans) mockSpans.push(...ss.spans)
      }
    },
    onLogs: (request: unknown) => {
      for (const rl of (normalizeLogs(request) as Normalized).resourceLogs ?? []) {
        for (const sl of rl.scopeLogs) mockLogs.push(...sl.logRecords)
      }
    },
  })
  await mock.start()
})

afterAll(async () => {
  await mock.close()
})

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
  mockSpans.length = 0
  mockLogs.length = 0
  mockResources.length = 0
})

function tracerFor(options: TracerOptions): Tracer {
  const tracer = createTracer({ flushOnExit: false, ...options })
  closers.push(() => tracer.close())
  return tracer
}

async function receiver(options?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(options)
  closers.push(() => r.close())
  return r
}

async function proxy(upstream: URL, plan: Parameters<typeof startFaultProxy>[1]): Promise<FaultProxy> {
  const p = await startFaultProxy(upstream, plan)
  closers.push(() => p.close())
  return p
}

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** The mock receiver answers first and decodes after: waits for what it has yet to hand over. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
}

/** handedOver beside the sum it must equal, so a failed check shows both. */
function accounted(stats: ExporterStats): { handedOver: number; sum: number } {
  return { handedOver: stats.handedOver, sum: stats.exported + stats.failed + stats.dropped + stats.pending }
}

const hexOf = (guid: string, bytes: number) => {
  // Registry-form GUID text back to its stored bytes (Data1..3 little-endian).
  const h = guid.replace(/-/g, '')
  const swapped = h.slice(6, 8) + h.slice(4, 6) + h.slice(2, 4) + h.slice(0, 2) + h.slice(10, 12) + h.slice(8, 10) + h.slice(14, 16) + h.slice(12, 14) + h.slice(16)
  return swapped.slice(0, bytes * 2)
}

describe.each(BACKENDS)('live export over OTLP (%s backend)', (backend) => {
  it('sends a logger\'s lines as log records: the message as body, severity from the logger level, in their span', async () => {
    const file = tracePath(`otlp-lines-${backend}`)
    const tracer = tracerFor({ provider: 'Test.Export', backend, file, export: { otlp: { endpoint: mock.httpUrl! } } })
    const log = tracer.logger({ service: 'checkout' })
    log.debug('below the level')
    tracer.span('Pay', () => log.child({ orderId: 7 }).warn({ attempt: 2, card: { last4: '4242' } }, 'card declined'))
    log.fatal('shutting down')
    await tracer.close()
    await until(() => mockLogs.length >= 2)
    expect(tracer.stats().exporters['otlp-logs']).toMatchObject({ handedOver: 2, exported: 2, pending: 0 })
    const events = await readEvents(file)
    const pay = events.find((e) => e.name === 'Pay' && e.opcode === 1)!
    const byBody = Object.fromEntries(mockLogs.map((log) => [log.body as string, log]))
    expect(Object.keys(byBody).sort()).toEqual(['card declined', 'shutting down'])
    expect(byBody['card declined']).toMatchObject({
      severityNumber: 13, severityText: 'WARN',
      traceId: hexOf(pay.fields.traceId as string, 16), spanId: hexOf(pay.fields.activityId as string, 8),
      attributes: { service: 'checkout', orderId: 7, attempt: 2, card: '{"last4":"4242"}', 'thread.name': 'main' },
    })
    expect(byBody['card declined']!.attributes).not.toHaveProperty('msg')
    expect(byBody['shutting down']).toMatchObject({ severityNumber: 21, severityText: 'FATAL' })
  })

  it('delivers spans with their ids, kinds, attributes and errors, and events as log records in their span', async () => {
    const file = tracePath(`otlp-export-${backend}`)
    const tracer = tracerFor({ provider: 'Test.Export', backend, file, export: { otlp: { endpoint: mock.httpUrl! }, serviceName: 'checkout' } })
    const request = tracer.defineSpan('HandleRequest', [['route', t.str], ['http.status_code', t.u16]], { kind: 'server' })
    const cacheMiss = tracer.event('CacheMiss', [['key', t.str], ['size', t.u64], ['ratio', t.f64]], { level: 3 })
    const started = tracer.event('Started', [['ok', t.bool], ['run', t.guid]], { level: 4 })
    started(true, '00112233-4455-6677-8899-aabbccddeeff')
    await request.run(async () => {
      await tracer.span('db.query', async () => {
        await new Promise((resolve) => setTimeout(resolve, 2))
        cacheMiss('item:7', 12345678901234n, 0.25)
      }, { table: 'items' })
      try {
        tracer.span('render', () => { throw new TypeError('no template') })
      } catch { /* recorded on the span */ }
    }, '/items/:id', 200)
    await tracer.close()
    await until(() => mockSpans.length >= 3 && mockLogs.length >= 2)

    expect(tracer.stats().exporters).toEqual({
      'otlp-traces': { handedOver: 3, exported: 3, failed: 0, dropped: 0, retried: 0, pending: 0, lastError: null },
      'otlp-logs': { handedOver: 2, exported: 2, failed: 0, dropped: 0, retried: 0, pending: 0, lastError: null },
    })
    // The file records what the exporters did, and is the reference for what they sent.
    const summary = await summarizeTrace(file)
    expect(summary.threads.map((thread) => thread.export)).toEqual([{ liveDropped: 0, unmatchedStops: 0, exporters: tracer.stats().exporters }])
    const events = await readEvents(file)
    const startOf = (name: string) => events.find((e) => e.name === name && e.opcode === 1)!
    const idsOf = (name: string) => {
      const f = startOf(name).fields
      const parent = f.parentId as string
      return {
        traceId: hexOf(f.traceId as string, 16),
        spanId: hexOf(f.activityId as string, 8),
        ...(parent === '00000000-0000-0000-0000-000000000000' ? {} : { parentSpanId: hexOf(parent, 8) }),
      }
    }
    const byName = Object.fromEntries(mockSpans.map((span) => [span.name as string, span]))
    expect(Object.keys(byName).sort()).toEqual(['HandleRequest', 'db.query', 'render'])
    expect(byName.HandleRequest).toMatchObject({ ...idsOf('HandleRequest'), kind: 'SPAN_KIND_SERVER', attributes: { route: '/items/:id', 'http.status_code': 200 } })
    expect(byName['db.query']).toMatchObject({ ...idsOf('db.query'), kind: 'SPAN_KIND_INTERNAL', attributes: { table: 'items' } })
    expect(byName.render).toMatchObject({
      ...idsOf('render'),
      status: { code: 'STATUS_CODE_ERROR', message: 'no template' },
      events: [{ name: 'exception', attributes: { 'exception.type': 'TypeError', 'exception.message': 'no template' } }],
    })
    const db = events.find((e) => e.name === 'db.query' && e.opcode === 1)!
    const dbEnd = events.find((e) => e.name === 'db.query' && e.opcode === 2)!
    expect(byName['db.query']).toMatchObject({ startTimeUnixNano: String(db.timestampNs), endTimeUnixNano: String(dbEnd.timestampNs) })

    const logs = Object.fromEntries(mockLogs.map((log) => [log.body as string, log]))
    expect(logs.CacheMiss).toMatchObject({
      severityNumber: 13, severityText: 'WARN', traceId: idsOf('db.query').traceId, spanId: idsOf('db.query').spanId,
      attributes: { key: 'item:7', size: 12345678901234, ratio: 0.25, 'thread.name': 'main' },
    })
    expect(logs.Started).toMatchObject({ severityNumber: 9, severityText: 'INFO', attributes: { ok: true, run: '00112233-4455-6677-8899-aabbccddeeff' } })
    expect(logs.Started).not.toHaveProperty('traceId')
    expect(mockResources[0]).toMatchObject({
      'service.name': 'checkout', 'process.pid': process.pid, 'telemetry.sdk.name': 'ringtrace', 'telemetry.sdk.language': 'nodejs',
    })
  })

  it('sends gzip-compressed protobuf and JSON bodies that decode with the official protos', async () => {
    const r = await receiver()
    for (const protocol of ['http/protobuf', 'http/json'] as const) {
      const tracer = tracerFor({ provider: 'Test.Export', backend, export: { otlp: { endpoint: r.url.href, protocol, compression: 'gzip' } } })
      const step = tracer.event('Step', [['n', t.u32]])
      tracer.span('Work', () => step(7), { n: 1 })
      await tracer.close()
    }
    const decoded = r.received.map((request) => {
      expect(request.headers['content-encoding']).toBe('gzip')
      const type = request.path === '/v1/traces' ? ExportTraceServiceRequest : ExportLogsServiceRequest
      return { path: request.path, json: request.headers['content-type'] === 'application/json',
        body: request.headers['content-type'] === 'application/json' ? decodeJson(type, request.body) : decodeProto(type, request.body) }
    })
    expect(decoded.map((d) => [d.path, d.json]).sort()).toEqual([['/v1/logs', false], ['/v1/logs', true], ['/v1/traces', false], ['/v1/traces', true]])
    const spanNames = decoded.filter((d) => d.path === '/v1/traces').map((d) =>
      (d.body as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name))
    expect(spanNames).toEqual([['Work'], ['Work']])
  })

  it('retries a 503 with Retry-After and then delivers', async () => {
    const r = await receiver()
    const p = await proxy(r.url, (i) => (i === 0 ? { kind: 'status', status: 503, headers: { 'retry-after': '1' } } : { kind: 'pass' }))
    const tracer = tracerFor({ provider: 'Test.Export', backend, export: { otlp: { endpoint: p.url.href, logsEndpoint: false } } })
    tracer.span('Once', () => undefined)
    await tracer.close()
    const stats = tracer.stats().exporters['otlp-traces']!
    expect(stats).toMatchObject({ handedOver: 1, exported: 1, retried: 1, failed: 0, dropped: 0, pending: 0 })
    expect(r.received.map((request) => request.path)).toEqual(['/v1/traces'])
  })

  it('counts a batch the receiver refuses with 400 as failed, with its status and message', async () => {
    const r = await receiver()
    const p = await proxy(r.url, [{ kind: 'status', status: 400, body: 'bad span: name too long' }])
    const tracer = tracerFor({ provider: 'Test.Export', backend, export: { otlp: { endpoint: p.url.href, logsEndpoint: false } } })
    for (let i = 0; i < 5; i++) tracer.span('Refused', () => undefined)
    await tracer.close()
    const stats = tracer.stats().exporters['otlp-traces']!
    expect({ ...stats, lastError: { status: stats.lastError?.status, message: stats.lastError?.message } }).toEqual({
      handedOver: 5, exported: 0, failed: 5, dropped: 0, retried: 0, pending: 0,
      lastError: { status: 400, message: 'otlp-traces: HTTP 400: bad span: name too long' },
    })
  })

  it('closes by its deadline with a dead endpoint, counting what it could not send', async () => {
    const port = await deadPort()
    const tracer = tracerFor({ provider: 'Test.Export', backend, export: { otlp: { endpoint: `http://127.0.0.1:${port}` }, closeTimeoutMs: 300 } })
    const ping = tracer.event('Ping', [['n', t.u32]])
    for (let i = 0; i < 100; i++) tracer.span('Lost', () => ping(i))
    await tracer.close()
    const { exporters } = tracer.stats()
    for (const stats of Object.values(exporters)) {
      expect(accounted(stats)).toEqual({ handedOver: 100, sum: 100 })
      expect({ pending: stats.pending, unsent: stats.failed + stats.dropped }).toEqual({ pending: 0, unsent: 100 })
    }
    expect(exporters['otlp-traces']!.lastError?.message).toMatch(/ECONNREFUSED|close deadline/)
  })

  it('drops and counts batches over the budget while the receiver never answers, and keeps tracing', async () => {
    const r = await receiver()
    const p = await proxy(r.url, () => ({ kind: 'never' }))
    const tracer = tracerFor({ provider: 'Test.Export', backend, export: {
      otlp: { endpoint: p.url.href, logsEndpoint: false, budgetBytes: 64 << 10, concurrency: 1, timeoutMs: 60_000 },
      maxBatchItems: 100, closeTimeoutMs: 200,
    } })
    const work = tracer.defineSpan('Busy', [['payload', t.str]])
    for (let i = 0; i < 5000; i++) work.start('x'.repeat(100)).end()
    tracer.flush()
    await tracer.close()
    const stats = tracer.stats()
    const traces = stats.exporters['otlp-traces']!
    expect({ written: stats.written, lost: stats.lost, accounted: accounted(traces), exported: traces.exported })
      .toEqual({ written: 10_000, lost: 0, accounted: { handedOver: 5000, sum: 5000 }, exported: 0 })
    // Most batches found the budget full; the rest were dropped at the close deadline.
    expect(traces.dropped).toBe(5000)
  })

  it('accounts for every event when the live stream drops chunks the worker could not take in time', async () => {
    const r = await receiver()
    const tracer = tracerFor({ provider: 'Test.Export', backend, ringBytes: 1 << 20, export: { otlp: { endpoint: r.url.href, tracesEndpoint: false }, streamBytes: 1 << 20 } })
    const note = tracer.event('Note', [['text', t.str]])
    // Synchronous bursts: the TS backend's queue cannot be posted while this loop runs.
    for (let burst = 0; burst < 40; burst++) {
      for (let i = 0; i < 2000; i++) note('x'.repeat(200))
      tracer.flush()
    }
    await tracer.close()
    const stats = tracer.stats()
    const logs = stats.exporters['otlp-logs']!
    expect({ written: stats.written, lost: stats.lost, handedOverOrDropped: logs.handedOver + stats.liveDropped, exported: logs.exported, pending: logs.pending })
      .toEqual({ written: 80_000, lost: 0, handedOverOrDropped: 80_000, exported: logs.handedOver, pending: 0 })
    if (backend === 'js') expect(stats.liveDropped).toBeGreaterThan(0)
  })

  it('exports spans still open at close as unterminated', async () => {
    const tracer = tracerFor({ provider: 'Test.Export', backend, export: { otlp: { endpoint: mock.httpUrl!, logsEndpoint: false } } })
    tracer.startSpan('NeverEnded', { job: 'reindex' })
    await tracer.close()
    await until(() => mockSpans.length >= 1)
    expect(mockSpans).toMatchObject([{ name: 'NeverEnded', attributes: { job: 'reindex', 'ringtrace.unterminated': true } }])
  })
})

describe.each(BACKENDS)('export from worker threads (%s backend)', (backend) => {
  it('sends every span of three exporting workers that end without closing their tracers', async () => {
    const r = await receiver()
    const ends = [0, 1, 2].map(() => new Promise<ExporterStats>((resolve, reject) => {
      const worker = new Worker(join(__dirname, 'fixtures', 'export-in-worker.js'), { workerData: { url: r.url.href, backend, spans: 2000 } })
      worker.once('message', resolve)
      worker.once('error', reject)
    }))
    const stats = await Promise.all(ends)
    expect(stats.map((s) => [s.handedOver, s.exported, s.pending])).toEqual([[2000, 2000, 0], [2000, 2000, 0], [2000, 2000, 0]])
    const spans = r.received.reduce((n, request) =>
      n + (decodeProto(ExportTraceServiceRequest, request.body) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans.length, 0)
    expect(spans).toBe(6000)
  })
})

describe.each(BACKENDS)('export from the OpenTelemetry variables at process exit (%s backend)', (backend) => {
  it.each(['exit', 'return'])('sends everything when the process ends by %s without closing the tracer', async (end) => {
    const r = await receiver()
    const child = await runChild([join(__dirname, 'fixtures', 'export-child.js'), end, backend], {
      OTEL_EXPORTER_OTLP_ENDPOINT: r.url.href, OTEL_SERVICE_NAME: 'child-service', OTEL_SDK_DISABLED: undefined,
      OTEL_TRACES_EXPORTER: undefined, OTEL_LOGS_EXPORTER: undefined,
    })
    expect({ code: child.code, stderr: child.stderr }).toEqual({ code: 0, stderr: '' })
    const exporters = JSON.parse(child.stdout) as Record<string, ExporterStats>
    expect(Object.fromEntries(Object.entries(exporters).map(([name, s]) => [name, [s.handedOver, s.exported, s.pending]])))
      .toEqual({ 'otlp-traces': [50, 50, 0], 'otlp-logs': [50, 50, 0] })
    const traces = r.received.filter((request) => request.path === '/v1/traces')
      .map((request) => decodeProto(ExportTraceServiceRequest, request.body) as { resourceSpans: { resource: { attributes: { key: string; value: unknown }[] }; scopeSpans: { spans: unknown[] }[] }[] })
    expect(traces.reduce((n, request) => n + request.resourceSpans[0]!.scopeSpans[0]!.spans.length, 0)).toBe(50)
    expect(traces[0]!.resourceSpans[0]!.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'child-service' } })
  })
})
