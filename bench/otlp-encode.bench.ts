// OTLP encoding of span and log batches, protobuf and JSON, on one core. Target: protobuf
// encoding ≥ 1 M spans/s for a span with four attributes, so that encoding takes at most half of
// the exporter's ≥ 500 k spans/s budget (decoding the rings and HTTP take the rest).

import { Bench, type Task } from 'tinybench'
import type { ExportAttribute, ExportLog, ExportResource, ExportScope, ExportSpan } from '../src/export/model.js'
import { encodeLogs } from '../src/export/otlp/otlp-logs-proto.js'
import { encodeLogsJson } from '../src/export/otlp/otlp-logs-json.js'
import { encodeTraces } from '../src/export/otlp/otlp-traces-proto.js'
import { encodeTracesJson } from '../src/export/otlp/otlp-traces-json.js'
import { JsonWriter } from '../src/export/json/json-writer.js'
import { ProtoWriter } from '../src/export/protobuf/proto-writer.js'
import { check, emitResult, probeBackends, round, type Cell, type TargetResult } from './bench-harness.js'

const BATCH = 1000
const TARGET_SPANS_PER_S = 1_000_000

const resource: ExportResource = {
  attributes: [
    { key: 'service.name', type: 'str', value: 'checkout' },
    { key: 'process.pid', type: 'u32', value: 4242 },
    { key: 'host.name', type: 'str', value: 'bench-host' },
    { key: 'telemetry.sdk.name', type: 'str', value: 'ringtrace' },
  ],
}
const scope: ExportScope = { name: 'Ringtrace.Bench.Otlp', version: '0.1.0' }

function id(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed * 31 + i * 7) & 0xff)
}

function attributes(i: number): ExportAttribute[] {
  return [
    { key: 'actionId', type: 'u32', value: i },
    { key: 'route', type: 'str', value: `/api/items/${i % 100}` },
    { key: 'userId', type: 'u64', value: BigInt(1_000_000 + i) },
    { key: 'ratio', type: 'f64', value: i / 7 },
  ]
}

function spans(): ExportSpan[] {
  const start = 1_733_000_000_000_000_000n
  return Array.from({ length: BATCH }, (_, i) => ({
    traceId: id(16, i >> 4),
    spanId: id(8, i),
    parentSpanId: i % 16 === 0 ? undefined : id(8, i & ~15),
    name: 'GET /api/items/:id',
    kind: 2,
    startNs: start + BigInt(i * 1000),
    endNs: start + BigInt(i * 1000 + 750),
    attributes: attributes(i),
    events: [],
    statusCode: 0, statusMessage: '',
  }))
}

function logs(): ExportLog[] {
  const time = 1_733_000_000_000_000_000n
  return Array.from({ length: BATCH }, (_, i) => ({
    timeNs: time + BigInt(i * 1000),
    observedNs: time + BigInt(i * 1000 + 5_000_000),
    severityNumber: 9,
    severityText: 'INFO',
    body: 'OrderPlaced',
    eventName: 'OrderPlaced',
    attributes: attributes(i),
    traceId: id(16, i >> 4),
    spanId: id(8, i),
  }))
}

interface Row {
  name: string
  itemsPerSecond: number | null
  bytesPerItem: number
}

async function main(): Promise<void> {
  const spanBatch = spans()
  const logBatch = logs()
  const writer = new ProtoWriter()
  const jsonWriter = new JsonWriter()
  const encoders: [string, () => Uint8Array][] = [
    ['spans, protobuf (encodeTraces, reused writer)', () => encodeTraces(resource, scope, spanBatch, writer)],
    ['spans, JSON (encodeTracesJson, reused writer)', () => encodeTracesJson(resource, scope, spanBatch, jsonWriter)],
    ['log records, protobuf (encodeLogs, reused writer)', () => encodeLogs(resource, scope, logBatch, writer)],
    ['log records, JSON (encodeLogsJson, reused writer)', () => encodeLogsJson(resource, scope, logBatch, jsonWriter)],
  ]
  const bench = new Bench({ name: 'otlp-encode', time: 1500, warmupTime: 500 })
  let sink = 0
  for (const [name, encode] of encoders) bench.add(name, () => { sink += encode().length }, { async: false })
  await bench.run()

  const itemsPerSecond = (task: Task): number | null => {
    const r = task.result
    if (r.state !== 'completed' && r.state !== 'aborted-with-statistics') return null
    return (BATCH * 1000) / r.latency.p50
  }
  const rows: Row[] = bench.tasks.map((task, i) => ({
    name: task.name, itemsPerSecond: itemsPerSecond(task), bytesPerItem: encoders[i]![1]().length / BATCH,
  }))
  const targets: TargetResult[] = []
  const protobufSpans = rows[0]!.itemsPerSecond
  if (protobufSpans !== null) {
    targets.push(check('protobuf span encoding ≥ 1 M spans/s (4 attributes)', 'all',
      `${round(protobufSpans / 1e6, 2)} M spans/s`, protobufSpans >= TARGET_SPANS_PER_S))
  }
  const table: Cell[][] = rows.map((r) => [r.name, r.itemsPerSecond === null ? null : Math.round(r.itemsPerSecond), round(r.bytesPerItem, 1)])
  emitResult({
    scenario: 'otlp-encode',
    title: 'OTLP encoding of spans and log records',
    method: `One tinybench run (1.5 s per task after 500 ms warm-up), one core. Each iteration encodes one batch of ${BATCH} spans or log records, with the resource (4 attributes) and scope, into a request body; figures are items per second from the median batch time. Each span has trace, span and parent ids, a name, a kind, two times and 4 attributes (u32, str, u64, f64); each log record the same attributes, trace and span ids, severity, body and event name. The protobuf encoders reuse one ProtoWriter, the JSON encoders one JsonWriter; each batch's body is copied out of it.`,
    backends: probeBackends(),
    tables: [{ title: 'Per batch', columns: ['task', 'items/s', 'bytes/item'], rows: table }],
    targets,
    notes: [],
    raw: { rows, sink },
  })
}

void main()
