// The Loki push path on a worker thread, as the export worker runs it: grouping a batch of log
// records into streams (labels, time order, lines), the protobuf PushRequest of about 1 MiB,
// snappy block compression by snappyjs (pure JS, what ringtrace ships) next to the native
// `snappy` package (napi-rs, a devDependency here), and the JSON body. No target: the figures
// chose the snappy library and say what a batch costs.

import { isMainThread, parentPort, Worker } from 'node:worker_threads'
import { compressSync } from 'snappy'
import { compress } from 'snappyjs'
import { Bench, type Task } from 'tinybench'
import type { ExportLog, ExportResource } from '../src/export/model.js'
import { checkLokiOptions } from '../src/export/loki/loki-options.js'
import { encodePushRequest } from '../src/export/loki/loki-push-proto.js'
import { encodeLokiPushJson } from '../src/export/loki/loki-push-json.js'
import { LokiStreams } from '../src/export/loki/loki-streams.js'
import { emitResult, MiB, probeBackends, round, type Cell, type ScenarioResult } from './bench-harness.js'

/** About 1 MiB of PushRequest. */
const RECORDS = 5000
const RESOURCE: ExportResource = { attributes: [{ key: 'service.name', type: 'str', value: 'checkout' }] }
const EVENTS = ['http.request', 'db.query', 'cache.miss', 'queue.publish']
const PATHS = ['/api/items', '/api/cart', '/api/checkout', '/api/users/me', '/health']
const TRACE_ID = Uint8Array.from({ length: 16 }, (_, i) => i * 7 + 1)
const SPAN_ID = Uint8Array.from({ length: 8 }, (_, i) => i * 13 + 2)

/** Requests of two interleaved threads: mostly in time order, each stream sorted within the batch. */
function makeRecords(): ExportLog[] {
  const base = 1_733_000_000_000_000_000n
  return Array.from({ length: RECORDS }, (_, i): ExportLog => {
    const timeNs = base + BigInt(i * 20_000 + (i % 2) * 150_000)
    return {
      timeNs,
      observedNs: timeNs,
      severityNumber: i % 50 === 0 ? 17 : 9,
      severityText: i % 50 === 0 ? 'ERROR' : 'INFO',
      body: EVENTS[i % EVENTS.length]!,
      eventName: EVENTS[i % EVENTS.length]!,
      attributes: [
        { key: 'method', type: 'str', value: i % 4 === 0 ? 'POST' : 'GET' },
        { key: 'path', type: 'str', value: `${PATHS[i % PATHS.length]}/${(i * 7919) % 100_000}?page=${i % 17}` },
        { key: 'status', type: 'u16', value: i % 50 === 0 ? 500 : 200 },
        { key: 'durationNs', type: 'u64', value: BigInt(100_000 + ((i * 104_729) % 9_000_000)) },
        { key: 'userAgent', type: 'str', value: `client/${i % 9}.${i % 4} (node ${20 + (i % 3)})` },
      ],
      traceId: TRACE_ID,
      spanId: SPAN_ID,
    }
  })
}

interface Row { task: string; ms: number | null; mibPerS: number | null }

function medianMs(task: Task | undefined): number | null {
  const result = task?.result
  if (result === undefined || (result.state !== 'completed' && result.state !== 'aborted-with-statistics')) return null
  return result.latency.p50
}

function measure(): { rows: Row[]; rawBytes: number; jsonBytes: number; snappyjsBytes: number; nativeBytes: number } {
  const records = makeRecords()
  const config = checkLokiOptions({ endpoint: 'http://127.0.0.1:3100' })
  const batch = () => new LokiStreams(config, RESOURCE).batch(records)
  const streams = batch().streams
  const raw = encodePushRequest(streams)
  const bench = new Bench({ name: 'loki-encode', time: 2000, warmupTime: 500 })
  bench.add('streams: LokiStreams#batch', batch)
  bench.add('protobuf: PushRequest', () => encodePushRequest(streams))
  bench.add('snappy block: snappyjs (pure JS)', () => compress(raw))
  bench.add('snappy block: snappy (native, napi-rs)', () => compressSync(raw))
  bench.add('json: push body', () => encodeLokiPushJson(streams))
  bench.runSync()
  const jsonBytes = encodeLokiPushJson(streams).length
  const bytesOf: Record<string, number> = { 'protobuf: PushRequest': raw.length, 'json: push body': jsonBytes }
  const rows = bench.tasks.map((task): Row => {
    const ms = medianMs(task)
    const bytes = bytesOf[task.name] ?? (task.name.startsWith('snappy') ? raw.length : null)
    return { task: task.name, ms, mibPerS: ms === null || bytes === null ? null : bytes / MiB / (ms / 1000) }
  })
  return { rows, rawBytes: raw.length, jsonBytes, snappyjsBytes: compress(raw).length, nativeBytes: compressSync(raw).length }
}

function report(measured: ReturnType<typeof measure>): ScenarioResult {
  const { rows, rawBytes, jsonBytes, snappyjsBytes, nativeBytes } = measured
  const table: Cell[][] = rows.map((r) => [r.task, r.ms === null ? null : round(r.ms, 2), r.mibPerS === null ? null : round(r.mibPerS, 0)])
  return {
    scenario: 'loki-encode',
    title: 'Loki push: streams, protobuf, snappy, JSON',
    method: `One tinybench run (2 s per task after 500 ms warm-up) inside a worker thread, as the export worker runs it. ${RECORDS} log records (4 events, 2 levels, 5 fields each, trace and span ids) grouped into streams, then encoded as the PushRequest (${rawBytes} bytes) and as the JSON body (${jsonBytes} bytes); the two snappy tasks compress that same PushRequest. Median ms per operation (tinybench latency p50); MiB/s of the uncompressed input.`,
    backends: probeBackends(),
    tables: [
      { title: `${RECORDS} records, about 1 MiB of PushRequest`, columns: ['task', 'median ms', 'MiB/s'], rows: table },
      { title: 'Compressed size of the PushRequest', columns: ['library', 'bytes', 'of raw'], rows: [
        ['snappyjs', snappyjsBytes, round(snappyjsBytes / rawBytes, 3)],
        ['snappy (native)', nativeBytes, round(nativeBytes / rawBytes, 3)],
      ] },
    ],
    targets: [],
    notes: ['No target. ringtrace ships snappyjs (pure JS, about 50 KB, no prebuilt binary to install per platform); compare its row with the native package\'s, measured on the same body in the same worker.'],
    raw: measured,
  }
}

if (isMainThread) {
  const worker = new Worker(__filename)
  worker.once('message', (measured: ReturnType<typeof measure>) => emitResult(report(measured)))
  worker.once('error', (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exitCode = 1
  })
} else {
  parentPort!.postMessage(measure())
}
