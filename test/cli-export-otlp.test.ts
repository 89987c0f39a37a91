import { hostname } from 'node:os'
// `ringtrace export <file> --format otlp`, the built CLI (dist/, as `npm run build` leaves it) in a
// child process, against real receivers on 127.0.0.1: @elastic/mockotlpserver, which decodes
// what it gets (it answers before decoding, and its protos predate LogRecord.event_name, so
// event names show only over http/json), the plain receiver of test/helpers (it gunzips), and the
// fault proxy in front of either. The trace is written by a real tracer in this process; what
// arrives is compared with what the tracer's spans and the file say.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { MockOtlpServer, normalizeLogs, normalizeTrace } from '@elastic/mockotlpserver'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/run.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { t } from '../src/schema/field-type-tokens.js'
import type { Span } from '../src/spans/index.js'
import { createTracer } from '../src/tracer.js'
import { Capture } from './helpers/capture.js'
import { startFaultProxy, type Fault, type FaultProxy } from './helpers/fault-proxy.js'
import { startReceiver, type Receiver } from './helpers/http-receiver.js'
import { closedPortUrl } from './helpers/local-server.js'
import { decodeProto, ExportLogsServiceRequest, ExportTraceServiceRequest } from './helpers/otlp-protos.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js')
const PROVIDER = 'Shop.Checkout'

interface Result {
  code: number | null
  stderr: string
}

/** The environment without OpenTelemetry variables: the command line alone decides. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')))
}

/** Runs `ringtrace export <file> --format otlp ...args`; a child still running after 30 s is killed (code null). */
function exportOtlp(file: string, args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'export', file, '--format', 'otlp', ...args],
      { stdio: ['ignore', 'ignore', 'pipe'], env: cleanEnv(), timeout: 30_000 })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

/** One summary row: exporter, url, items, exported, failed, dropped, retried. */
function summaryRow(stderr: string, exporter: string): (string | number)[] {
  const line = stderr.split('\n').find((row) => row.startsWith(`${exporter} `))
  if (line === undefined) throw new Error(`no ${exporter} row in:\n${stderr}`)
  const [name, url, ...counts] = line.split(/\s+/)
  return [name!, url!, ...counts.map(Number)]
}

// The trace: spans nested, failed and left open, events inside and outside them.
let file: string
let spans: Record<string, Span>
let fileEvents: TraceEvent[]

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.build.json)`)
  file = tracePath('otlp-export')
  const tracer = createTracer({ provider: PROVIDER, file, correlate: true, flushOnExit: false })
  const stock = tracer.event('StockChecked', [['sku', t.str], ['count', t.u32]])
  const root = tracer.startSpan('GET /cart', { route: '/cart' })
  let query!: Span
  let payment!: Span
  await root.run(async () => {
    stock('sku-1', 3)
    query = tracer.startSpan('db.query', { table: 'carts' })
    await query.run(async () => stock('sku-2', 0))
    query.end()
    payment = tracer.startSpan('payment', { amount: 12.5 })
    payment.fail(new TypeError('card declined'))
  })
  root.end()
  const open = tracer.startSpan('still open', { attempt: 2 })
  stock('sku-3', 9)
  tracer.closeSync()
  spans = { root, query, payment, open }
  fileEvents = await readEvents(file)
})

const timeOf = (name: string, opcode: number): string =>
  String(fileEvents.find((e) => e.name === name && e.opcode === opcode)!.timestampNs)
const stockEvent = (sku: string): TraceEvent => fileEvents.find((e) => e.fields.sku === sku)!
const THREAD = { 'thread.id': 0, 'thread.name': 'main' }

/** The spans as the receiver normalizes them (ids in hex), sorted by name. */
function expectedSpans(): unknown[] {
  const { root, query, payment, open } = spans
  const lastNs = String(fileEvents.reduce((latest, e) => (e.timestampNs > latest ? e.timestampNs : latest), 0n))
  const span = (s: Span, parent: Span | undefined, name: string, rest: object) => ({
    traceId: s.traceId, spanId: s.spanId, ...(parent === undefined ? {} : { parentSpanId: parent.spanId }), name,
    kind: 'SPAN_KIND_INTERNAL', startTimeUnixNano: timeOf(name, 1), flags: 1, ...rest,
  })
  return [
    span(root, undefined, 'GET /cart', { endTimeUnixNano: timeOf('GET /cart', 2), attributes: { route: '/cart', ...THREAD }, status: { code: 'STATUS_CODE_OK' } }),
    span(query, root, 'db.query', { endTimeUnixNano: timeOf('db.query', 2), attributes: { table: 'carts', ...THREAD }, status: { code: 'STATUS_CODE_OK' } }),
    span(payment, root, 'payment', {
      endTimeUnixNano: timeOf('payment', 2), attributes: { amount: 12.5, ...THREAD },
      status: { code: 'STATUS_CODE_ERROR', message: 'card declined' },
      events: [{ name: 'exception', timeUnixNano: timeOf('payment', 2), attributes: { 'exception.type': 'TypeError', 'exception.message': 'card declined' } }],
    }),
    // Never ended: it ends at the file's last event.
    span(open, undefined, 'still open', { endTimeUnixNano: lastNs, attributes: { attempt: 2, ...THREAD, 'ringtrace.unterminated': true } }),
  ]
}

/** The events as log records, in file order; event names only where the receiver can read them. */
function expectedLogs(withEventName: boolean): unknown[] {
  const record = (sku: string, count: number, inSpan: Span | undefined) => ({
    timeUnixNano: String(stockEvent(sku).timestampNs), observedTimeUnixNano: expect.any(String),
    severityNumber: 9, severityText: 'INFO', body: 'StockChecked', ...(withEventName ? { eventName: 'StockChecked' } : {}),
    attributes: { sku, count, ...THREAD },
    ...(inSpan === undefined ? {} : { traceId: inSpan.traceId, spanId: inSpan.spanId, flags: 1 }),
  })
  return [record('sku-1', 3, spans.root), record('sku-2', 0, spans.query), record('sku-3', 9, undefined)]
}

interface Normalized {
  resourceSpans?: { resource: { attributes: Record<string, unknown> }; scopeSpans: { scope: unknown; spans: { name: string }[] }[] }[]
  resourceLogs?: { resource: { attributes: Record<string, unknown> }; scopeLogs: { scope: unknown; logRecords: unknown[] }[] }[]
}

let server: MockOtlpServer
const received: Normalized[] = []
const closers: { close(): Promise<void> }[] = []

beforeAll(async () => {
  const keep = (normalize: (request: unknown) => unknown) => (request: unknown) => received.push(normalize(request) as Normalized)
  server = new MockOtlpServer({
    logLevel: 'error', services: ['http'], httpHostname: '127.0.0.1', httpPort: 0,
    onTrace: keep(normalizeTrace), onLogs: keep(normalizeLogs),
  })
  await server.start()
})

afterEach(async () => {
  received.length = 0
  await Promise.all(closers.splice(0).map((c) => c.close()))
})

afterAll(async () => {
  await server.close()
})

/** Every span received, sorted by name (code units), and the service and scope each batch named. */
function receivedSpans(): { spans: unknown[]; senders: unknown[] } {
  const all = received.flatMap((r) => r.resourceSpans ?? [])
  return {
    spans: all.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)).sort((a, b) => (a.name < b.name ? -1 : 1)),
    senders: all.flatMap((rs) => rs.scopeSpans.map((ss) => ({
      service: rs.resource.attributes['service.name'], pid: rs.resource.attributes['process.pid'], host: rs.resource.attributes['host.name'], scope: ss.scope,
    }))),
  }
}

function receivedLogs(): unknown[] {
  return received.flatMap((r) => r.resourceLogs ?? []).flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords))
}

async function proxy(faults: Fault[]): Promise<FaultProxy> {
  const started = await startFaultProxy(server.httpUrl!, faults)
  closers.push(started)
  return started
}

describe('ringtrace export --format otlp', () => {
  it('sends every span and event of the file as OTLP spans and log records (http/protobuf)', async () => {
    const { code, stderr } = await exportOtlp(file, ['--endpoint', server.httpUrl!.href])
    expect(stderr).toMatch(/^10 events read\n/)
    expect(code).toBe(0)
    const base = server.httpUrl!.href
    expect(summaryRow(stderr, 'otlp-traces')).toEqual(['otlp-traces', `${base}v1/traces`, 4, 4, 0, 0, 0])
    expect(summaryRow(stderr, 'otlp-logs')).toEqual(['otlp-logs', `${base}v1/logs`, 3, 3, 0, 0, 0])
    const { spans: got, senders } = receivedSpans()
    expect(got).toEqual(expectedSpans())
    // The traced process (this one wrote the file), not the CLI's.
    expect(senders).toEqual(senders.map(() => ({ service: PROVIDER, pid: process.pid, host: hostname(), scope: { name: PROVIDER, version: expect.any(String) } })))
    expect(receivedLogs()).toEqual(expectedLogs(false))
  })

  it('sends the same over http/json, under the --service-name given', async () => {
    const { code } = await exportOtlp(file, ['--endpoint', server.httpUrl!.href, '--protocol', 'http/json', '--service-name', 'checkout'])
    expect(code).toBe(0)
    const { spans: got, senders } = receivedSpans()
    expect(got).toEqual(expectedSpans())
    expect(senders).toEqual([{ service: 'checkout', pid: process.pid, host: hostname(), scope: { name: PROVIDER, version: expect.any(String) } }])
    expect(receivedLogs()).toEqual(expectedLogs(true))
  })

  it('sends only the --signals asked for, gzipped, with each --header', async () => {
    const receiver: Receiver = await startReceiver()
    closers.push(receiver)
    const { code } = await exportOtlp(file, ['--endpoint', receiver.url.href, '--signals', 'traces', '--compression', 'gzip',
      '--header', 'x-tenant=shop', '--header', 'authorization=Bearer a=b'])
    expect(code).toBe(0)
    expect(receiver.received.map(({ path, headers }) => ({
      path, encoding: headers['content-encoding'], tenant: headers['x-tenant'], authorization: headers.authorization,
    }))).toEqual([{ path: '/v1/traces', encoding: 'gzip', tenant: 'shop', authorization: 'Bearer a=b' }])
    const decoded = decodeProto(ExportTraceServiceRequest, receiver.received[0]!.body) as Normalized
    const names = decoded.resourceSpans!.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))).sort()
    expect(names).toEqual(['GET /cart', 'db.query', 'payment', 'still open'])
  })

  it('retries a 503 with Retry-After, then completes the export', async () => {
    const faulty = await proxy([{ kind: 'status', status: 503, headers: { 'retry-after': '1' } }])
    const { code, stderr } = await exportOtlp(file, ['--endpoint', faulty.url.href])
    expect(code).toBe(0)
    const first = faulty.requests[0]!
    const again = faulty.requests.slice(1).find((r) => r.path === first.path)!
    expect(again.fault).toBe('pass')
    // Retry-After is a minimum (a timer may fire up to a millisecond early against performance.now()).
    expect(again.at - first.at).toBeGreaterThanOrEqual(999)
    const exporter = first.path === '/v1/traces' ? 'otlp-traces' : 'otlp-logs'
    expect(summaryRow(stderr, exporter).slice(2)).toEqual(exporter === 'otlp-traces' ? [4, 4, 0, 0, 1] : [3, 3, 0, 0, 1])
    expect(receivedSpans().spans).toEqual(expectedSpans())
    expect(receivedLogs()).toEqual(expectedLogs(false))
  })

  it('ends with exit 1 and the receiver\'s message in the summary when it refuses the data (400)', async () => {
    const refusal: Fault = {
      kind: 'status', status: 400, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 3, message: 'span name too long' }),
    }
    const faulty = await proxy([refusal, refusal])
    const { code, stderr } = await exportOtlp(file, ['--endpoint', faulty.url.href])
    expect(code).toBe(1)
    expect(summaryRow(stderr, 'otlp-traces').slice(2)).toEqual([4, 0, 4, 0, 0])
    expect(summaryRow(stderr, 'otlp-logs').slice(2)).toEqual([3, 0, 3, 0, 0])
    expect(stderr).toContain('last error: otlp-traces: HTTP 400: span name too long\n')
    expect(stderr).toContain('last error: otlp-logs: HTTP 400: span name too long\n')
  })

  it('ends with exit 1 within --timeout when the endpoint is dead, counting everything dropped', async () => {
    const dead = await closedPortUrl(createServer())
    const { code, stderr } = await exportOtlp(file, ['--endpoint', dead.href, '--timeout', '1000'])
    expect(code).toBe(1)
    expect(summaryRow(stderr, 'otlp-traces').slice(2, 6)).toEqual([4, 0, 0, 4])
    expect(summaryRow(stderr, 'otlp-logs').slice(2, 6)).toEqual([3, 0, 0, 3])
    expect(stderr).toMatch(/last error: otlp-traces: close deadline: still unsent \(last attempt: otlp-traces: .*ECONNREFUSED.*\)\n/)
  })
})

describe('ringtrace export --format otlp on a file larger than the budget', () => {
  const BUDGET = 1 << 20
  let big: string
  let events: number

  beforeAll(async () => {
    big = tracePath('otlp-export-big')
    // A ring that holds the whole burst, so every event reaches the file.
    const tracer = createTracer({ provider: PROVIDER, file: big, ringBytes: 1 << 26, flushOnExit: false })
    const tick = tracer.event('Tick', [['seq', t.u32], ['note', t.str]])
    const note = 'n'.repeat(100)
    for (let seq = 0; seq < 60_000; seq++) tick(seq, note)
    tracer.closeSync()
    events = (await readEvents(big)).length
  })

  it('sends it whole: reading waits while the budget is full instead of dropping', async () => {
    // Slow answers keep the budget full while the file is read much faster.
    const receiver = await startReceiver({ delayMs: 20 })
    closers.push(receiver)
    const { code, stderr } = await exportOtlp(big, ['--endpoint', receiver.url.href, '--signals', 'logs', '--budget-bytes', String(BUDGET)])
    expect(stderr).toContain(`${events} events read\n`)
    expect(code).toBe(0)
    expect(summaryRow(stderr, 'otlp-logs').slice(2)).toEqual([events, events, 0, 0, 0])
    const sent = receiver.received.reduce((bytes, r) => bytes + r.wireBytes, 0)
    expect(sent).toBeGreaterThan(4 * BUDGET)
    const seqs = receiver.received.flatMap((r) => {
      const decoded = decodeProto(ExportLogsServiceRequest, r.body) as { resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: { intValue: string } }[] }[] }[] }[] }
      return decoded.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((lr) => Number(lr.attributes.find((a) => a.key === 'seq')!.value.intValue))))
    })
    // Every event once; two requests are in flight at a time, so they may arrive in either order.
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: events }, (_, i) => i))
  })
})

describe('ringtrace export --format otlp options', () => {
  /** In this process: what is checked here never reaches a receiver. */
  async function run(args: string[], stderr = new Capture()): Promise<{ code: number; err: string }> {
    const code = await runCli(['export', file, ...args], { stdout: new Capture(), stderr })
    return { code, err: stderr.text }
  }

  const hint = "Run 'ringtrace export --help' for its usage.\n"
  it.each([
    [['--protocol', 'grpc'], `--protocol must be 'http/protobuf' or 'http/json', got "grpc"`],
    [['--compression', 'br'], `--compression must be 'gzip' or 'none', got "br"`],
    [['--endpoint', 'ftp://collector'], '--endpoint must be an http:// or https:// URL, got "ftp://collector"'],
    [['--header', 'x-tenant'], "--header expects name=value, got 'x-tenant'"],
    [['--header', 'bad name=1'], '--header key "bad name" must be an HTTP header name (a token), got "bad name"'],
    [['--header', 'content-type=text/plain'], '--header content-type frames the request and is set by the exporter'],
    [['--signals', 'traces,metrics'], "--signals takes traces, logs (comma-separated), got 'metrics'"],
    [['--timeout', 'soon'], "--timeout expects a whole number, got 'soon'"],
    [['--timeout', '600001'], '--timeout must be an integer from 0 to 600000 (ms), got 600001'],
    [['--budget-bytes', '1000'], '--budget-bytes must be an integer from 65536 to 1073741824 (bytes), got 1000'],
    [['--service-name', ''], '--service-name must be a non-empty string, got ""'],
    [['--output', 'out.json'], '--output does not apply to --format otlp, which sends to --endpoint'],
  ])('refuses %j as a usage error (exit 2)', async (args, message) => {
    expect(await run(['--format', 'otlp', ...args])).toEqual({ code: 2, err: `ringtrace: export: ${message}\n${hint}` })
  })

  it('refuses OTLP options with another format', async () => {
    expect(await run(['--format', 'ndjson', '--endpoint', 'http://collector:4318', '--timeout', '5']))
      .toEqual({ code: 2, err: `ringtrace: export: --endpoint, --timeout applies to --format otlp only\n${hint}` })
  })

  it('draws a progress bar of the bytes read on a terminal, and erases it before the summary', async () => {
    const terminal = new Capture({ isTTY: true })
    const { code, err } = await run(['--format', 'otlp', '--endpoint', server.httpUrl!.href], terminal)
    expect(code).toBe(0)
    const bar = err.slice(0, err.indexOf('10 events read'))
    expect(bar).toMatch(/otlp-export-\d+\.rtrc \[=+-*\] \d+% \| \d+\.\d\/\d+\.\d KiB/)
    expect(bar).toMatch(/100% \| (\d+\.\d)\/\1 KiB/)
    expect(err.slice(bar.length)).toMatch(/^10 events read\nexporter /)
  })

  it('draws no bar when stderr is not a terminal', async () => {
    const { code, err } = await run(['--format', 'otlp', '--endpoint', server.httpUrl!.href])
    expect(code).toBe(0)
    expect(err).toMatch(/^10 events read\nexporter /)
  })
})
