// Live export against the OpenTelemetry SDK, in one process and to one receiver (a child
// process): the event-loop delay of the producing thread at 100k spans/s, the exporter's
// throughput, and what export costs a trace call. Targets (issue 10): export adds ≤ 1 ms to the
// event loop's p99; ≥ 500k spans/s exported; export's own per-call cost within noise.

import { emitResult, probeBackends, type ScenarioPart } from './bench-harness.js'
import { measureCallCost } from './export-call-cost.js'
import { measureLoopDelay } from './export-loop-delay.js'
import { measureThroughput } from './export-throughput.js'
import { startSink } from './otlp-sink.js'

async function main(): Promise<void> {
  const probes = probeBackends()
  const sink = await startSink()
  const parts: ScenarioPart[] = []
  try {
    const seconds: string[] = []
    const timed = async (name: string, measure: () => Promise<ScenarioPart>) => {
      const start = performance.now()
      parts.push(await measure())
      seconds.push(`${name} ${((performance.now() - start) / 1000).toFixed(1)} s`)
    }
    await timed('event-loop delay', () => measureLoopDelay(probes, sink.url))
    await timed('throughput', () => measureThroughput(probes, sink))
    await timed('per-call cost', () => measureCallCost(probes, sink.url))
    const received = Object.entries((await sink.counts()).paths)
      .map(([path, c]) => `${path}: ${c.requests.toLocaleString('en-US')} requests, ${(c.bytes / 2 ** 20).toFixed(1)} MiB`)
      .join('; ')
    emitResult({
      scenario: 'export',
      title: 'Live export: event-loop delay, exporter throughput and per-call cost, against the OpenTelemetry SDK',
      method: parts.map((p) => p.method).join(' '),
      backends: probes,
      tables: parts.flatMap((p) => p.tables),
      targets: parts.flatMap((p) => p.targets),
      notes: [
        ...parts.flatMap((p) => p.notes),
        `The receiver got, over the whole scenario: ${received || 'nothing'}. Wall time per part: ${seconds.join(', ')}.`,
        ...probes.filter((p) => !p.available).map((p) => `Backend ${p.name} skipped: ${p.reason}`),
      ],
      raw: parts.map((p) => p.raw),
    })
  } finally {
    await sink.stop()
  }
}

void main()
