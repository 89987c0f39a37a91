// The Perfetto writer's throughput: ~1 M decoded events (500k spans in request trees with
// attributes, on 4 threads, several requests open at once on each) through PerfettoTraceEncoder,
// and its bytes per slice against the Chrome JSON of the same items (ChromeTraceEncoder, measured
// alongside as the peer). The items are built before timing, so only the writers are measured;
// each writer's output is taken every 10k items, as the CLI does per batch, and counted.

import type { AnalysisItem } from '../src/analysis/index.js'
import { ChromeTraceEncoder, PerfettoTraceEncoder } from '../src/exporters/index.js'
import type { TraceThread } from '../src/reader/trace-items.js'
import { check, emitResult, probeBackends, round, type Cell } from './bench-harness.js'

const SPANS = 500_000
const TARGET_EVENTS_PER_SECOND = 2_000_000
const ROUNDS = 5
const ZERO = '00000000-0000-0000-0000-000000000000'
const THREADS: TraceThread[] = [0, 1, 2, 3].map((id) => ({ id, name: id === 0 ? 'main' : `worker-${id}`, isMainThread: id === 0 }))
const BASE_NS = 1_700_000_000_000_000_000n
const TAKE_EVERY = 10_000

function id(n: number): string {
  return `${(n >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-${(Math.floor(n / 2 ** 32)).toString(16).padStart(12, '0')}`
}

function item(name: string, opcode: number, ns: number, thread: TraceThread, fields: Record<string, string | number | boolean>): AnalysisItem {
  return { kind: 'event', name, timestampNs: BASE_NS + BigInt(ns), opcode, thread, fields }
}

/** Trees of 5 spans (a request, 2 queries, each with a cache lookup), a new tree every 2 µs lasting 10 µs. */
function spanItems(): AnalysisItem[] {
  const items: AnalysisItem[] = []
  for (let tree = 0; tree * 5 < SPANS; tree++) {
    const thread = THREADS[tree % THREADS.length]!
    const t0 = tree * 2000
    const root = id(tree * 5 + 1)
    items.push(item('GET /users/:id', 1, t0, thread, { activityId: root, parentId: ZERO, traceId: root, 'http.route': '/users/:id', 'http.status': 200 }))
    for (let c = 0; c < 2; c++) {
      const query = id(tree * 5 + 2 + c * 2)
      const cache = id(tree * 5 + 3 + c * 2)
      const c0 = t0 + 100 + c * 4000
      items.push(item('db.query', 1, c0, thread, { activityId: query, parentId: root, traceId: root, 'db.table': 'users', rows: tree % 17, cached: c === 0 }))
      items.push(item('cache.get', 1, c0 + 100, thread, { activityId: cache, parentId: query, traceId: root, key: `user:${tree % 1000}` }))
      items.push(item('cache.get', 2, c0 + 900, thread, { activityId: cache, status: 1, errorType: '', errorMessage: '' }))
      items.push(item('db.query', 2, c0 + 3500, thread, { activityId: query, status: 1, errorType: '', errorMessage: '' }))
    }
    items.push(item('GET /users/:id', 2, t0 + 10_000, thread, { activityId: root, status: 1, errorType: '', errorMessage: '' }))
  }
  return items
}

interface Writer {
  add(item: AnalysisItem): void
  /** The output since the last call, as bytes or text (its UTF-8 length is counted). */
  take(): Uint8Array | string
  finish(): Uint8Array | string
}

const byteLength = (part: Uint8Array | string): number => (typeof part === 'string' ? Buffer.byteLength(part) : part.length)

function run(items: readonly AnalysisItem[], make: () => Writer): { seconds: number; bytes: number } {
  const start = performance.now()
  const writer = make()
  let bytes = 0
  for (let i = 0; i < items.length; i++) {
    writer.add(items[i]!)
    if (i % TAKE_EVERY === TAKE_EVERY - 1) bytes += byteLength(writer.take())
  }
  bytes += byteLength(writer.finish())
  return { seconds: (performance.now() - start) / 1000, bytes }
}

function main(): void {
  const items = spanItems()
  const writers: [string, () => Writer][] = [
    ['perfetto (PerfettoTraceEncoder)', () => new PerfettoTraceEncoder({ pid: 1, name: 'bench' })],
    ['chrome JSON (ChromeTraceEncoder)', () => new ChromeTraceEncoder({ pid: 1, name: 'bench', originNs: BASE_NS })],
  ]
  const seconds = new Map<string, number[]>(writers.map(([name]) => [name, []]))
  const bytes = new Map<string, number>()
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, make] of r % 2 === 0 ? writers : [...writers].reverse()) {
      const result = run(items, make)
      seconds.get(name)!.push(result.seconds)
      bytes.set(name, result.bytes)
    }
  }
  const rows: Cell[][] = []
  const rate = (name: string): number => items.length / Math.min(...seconds.get(name)!)
  for (const [name] of writers) {
    rows.push([name, items.length, round(rate(name) / 1e6, 2), round(bytes.get(name)! / 2 ** 20, 1), round(bytes.get(name)! / SPANS, 1)])
  }
  const perfetto = writers[0]![0]
  const chrome = writers[1]![0]
  const ratio = bytes.get(perfetto)! / bytes.get(chrome)!
  emitResult({
    scenario: 'perfetto',
    title: 'Perfetto export writer',
    method: `${items.length.toLocaleString('en-US')} decoded events (${SPANS.toLocaleString('en-US')} spans: requests of a root, 2 queries and 2 cache lookups, attributes on each, 4 threads, 5 requests open at once per thread, so most spans go to async tracks) built in memory, then written by each writer, output taken every ${TAKE_EVERY.toLocaleString('en-US')} events. ${ROUNDS} rounds alternating the writers' order; the best round's rate is shown. Reading a file (the reader's decoding) is not included.`,
    backends: probeBackends(),
    tables: [{ title: 'Writers over the same events', columns: ['writer', 'events', 'M events/s', 'output MiB', 'bytes per span'], rows }],
    targets: [
      check(`perfetto writer ≥ ${TARGET_EVENTS_PER_SECOND / 1e6} M events/s`, 'all', `${round(rate(perfetto) / 1e6, 2)} M events/s`, rate(perfetto) >= TARGET_EVENTS_PER_SECOND),
      check('perfetto output ≤ 0.5 × Chrome JSON', 'all', `${round(ratio, 3)} × (${round(bytes.get(perfetto)! / SPANS, 1)} against ${round(bytes.get(chrome)! / SPANS, 1)} bytes per span)`, ratio <= 0.5),
    ],
    notes: [],
    raw: { seconds: Object.fromEntries(seconds), bytes: Object.fromEntries(bytes) },
  })
}

main()
