// What export costs a trace call on the producing thread: a typed span and the Priming event on a
// tracer without export, one exporting with its defaults (correlate on) and one exporting with
// correlate off, so that export's own cost and correlation's show separately. Tinybench rounds,
// the task order rotated from round to round; each task gets a fresh tracer per round, closed
// after it, so that no export worker still busy with one task's spans runs during another task.
// Target: export's own cost (correlate off) within the noise of no export.

import { Bench } from 'tinybench'
import type { Tracer } from '../src/index.js'
import { check, compileLoop, median, medianNsPerCall, MiB, notRun, PRIMING_CALL_ARGS, PRIMING_FIELDS, round, roundOrder,
  spreadText, type BackendName, type BackendProbe, type Cell, type ScenarioPart, type TargetResult } from './bench-harness.js'
import { benchTracer, spanLoop } from './export-tracers.js'

const CALLS = 1000
const ROUNDS = 5
const ROUND_TIME_MS = 200
const ROUND_WARMUP_MS = 100
const RING_BYTES = 64 * MiB
/**
 * The exporting tracers' stream and close deadline: what they export is not measured here, and the
 * backlog a task leaves (at most the stream's bytes) is what its close waits for.
 */
const STREAM_BYTES = 1 * MiB
const CLOSE_TIMEOUT_MS = 500

const MODES = ['no export', 'export', 'export, correlate off'] as const
const OPS = ['span', 'event'] as const
type Mode = (typeof MODES)[number]
type Op = (typeof OPS)[number]

interface Task {
  name: string
  backend: BackendName
  mode: Mode
  op: Op
  medians: number[]
  /** Over all rounds: what the exporting tracers' streams dropped and their exporters sent. */
  liveDropped: number
  exported: number
  lost: number
}

function tracerFor(task: Task, sinkUrl: string): Tracer {
  if (task.mode === 'no export') return benchTracer({ backend: task.backend, ringBytes: RING_BYTES })
  return benchTracer({
    backend: task.backend,
    ringBytes: RING_BYTES,
    exportTo: sinkUrl,
    exportOptions: { streamBytes: STREAM_BYTES, closeTimeoutMs: CLOSE_TIMEOUT_MS },
    ...(task.mode === 'export, correlate off' ? { correlate: false } : {}),
  })
}

function iteration(tracer: Tracer, op: Op): () => unknown {
  if (op === 'span') return spanLoop(tracer, CALLS)
  const trace = tracer.event('Priming', PRIMING_FIELDS)
  return compileLoop(CALLS, `trace(${PRIMING_CALL_ARGS});`, { trace })
}

async function runTask(task: Task, sinkUrl: string): Promise<void> {
  const tracer = tracerFor(task, sinkUrl)
  const bench = new Bench({ name: task.name, time: ROUND_TIME_MS, warmupTime: ROUND_WARMUP_MS })
  // Without `async: false` tinybench calls each task once at add() to detect a promise.
  bench.add(task.name, iteration(tracer, task.op), { async: false, afterEach: () => tracer.flush() })
  bench.runSync()
  await tracer.close()
  const ns = medianNsPerCall(bench.getTask(task.name), CALLS)
  if (ns !== null) task.medians.push(ns)
  const s = tracer.stats()
  task.liveDropped += s.liveDropped
  task.exported += s.exporters['otlp-traces']?.exported ?? 0
  task.lost += s.lost
}

/** Runs the rounds on every backend that loads. */
export async function measureCallCost(probes: BackendProbe[], sinkUrl: string): Promise<ScenarioPart> {
  const tasks: Task[] = []
  for (const probe of probes.filter((p) => p.available)) {
    for (const op of OPS) {
      for (const mode of MODES) {
        tasks.push({ name: `${probe.name}: ${op}, ${mode}`, backend: probe.name, mode, op, medians: [], liveDropped: 0, exported: 0, lost: 0 })
      }
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const task of roundOrder(tasks, r)) await runTask(task, sinkUrl)
  }

  const find = (backend: BackendName, op: Op, mode: Mode) => tasks.find((t) => t.backend === backend && t.op === op && t.mode === mode)!
  const rows: Cell[][] = []
  const targets: TargetResult[] = []
  const target = "export's own cost on a trace call (export, correlate off) within noise of no export"
  for (const probe of probes) {
    if (!probe.available) {
      targets.push(notRun(target, probe))
      continue
    }
    for (const op of OPS) {
      const [off, on, uncorrelated] = MODES.map((mode) => find(probe.name, op, mode))
      const [offNs, onNs, uncorrelatedNs] = [off!, on!, uncorrelated!].map((t) => median(t.medians))
      if (offNs === null || onNs === null || uncorrelatedNs === null) continue
      rows.push([probe.name, op, round(offNs, 2), round(uncorrelatedNs, 2), round(onNs, 2), round(uncorrelatedNs - offNs, 2),
        round(onNs - uncorrelatedNs, 2), spreadText(off!.medians), spreadText(uncorrelated!.medians), spreadText(on!.medians)])
      // Noise: how far the no-export task's own rounds spread.
      const noise = Math.max(...off!.medians) - Math.min(...off!.medians)
      targets.push(check(`${target}: ${op}`, probe.name,
        `${round(uncorrelatedNs, 2)} vs ${round(offNs, 2)} ns (${round(uncorrelatedNs - offNs, 2)} ns; no-export rounds spread ${round(noise, 2)} ns)`,
        uncorrelatedNs - offNs <= noise))
    }
  }
  const exporting = tasks.filter((t) => t.mode !== 'no export')
  return {
    method: `**Cost per call on the producing thread.** ${ROUNDS} tinybench rounds (${ROUND_TIME_MS} ms per task after ${ROUND_WARMUP_MS} ms warm-up), the task order rotated and reversed from round to round. Each iteration makes ${CALLS} calls from a call site compiled for that task: a typed span \`op.run(noop, i)\` or the Priming event \`trace(${PRIMING_CALL_ARGS})\` (40 bytes, 64 correlated). Every task gets a fresh tracer for each round (${RING_BYTES / MiB} MiB ring flushed after every iteration, outside the timed window), closed after it: no export, export to the receiver (the defaults but a ${STREAM_BYTES / MiB} MiB stream and a ${CLOSE_TIMEOUT_MS} ms close deadline, so that a task leaves little backlog; correlate on, the default), or the same with \`correlate: false\`. A figure is the median over the rounds of tinybench's latency p50 / ${CALLS}. Tinybench runs a task synchronously, holding the event loop: the native backend's collector and the export worker run on their own threads meanwhile (on a 2-core machine they compete with the producing thread for the cores), while the TS backend's drain and hand-over timers wait until the task ends, so for it this is the call alone (the event-loop table shows the rest).`,
    tables: [{
      title: 'Per-call cost with export on and off (median ns/call)',
      columns: ['backend', 'call', 'no export', 'export, correlate off', 'export (default: correlate on)', "export's own cost", 'correlation', 'no export: rounds', 'correlate off: rounds', 'correlate on: rounds'],
      rows,
    }],
    targets,
    notes: [
      `The exporting tracers are traced here far faster than any exporter sends (tens of millions of calls a second): their streams drop the records the worker cannot take, and count them (over all rounds, in millions: ${exporting.map((t) => `${t.name} ${round(t.liveDropped / 1e6, 1)}`).join(', ')}). That is the bounded, counted drop at work, not a flaw in the measurement. Ring lost over all tasks: ${tasks.reduce((n, t) => n + t.lost, 0)}.`,
    ],
    raw: { calls: CALLS, rounds: ROUNDS, tasks },
  }
}
