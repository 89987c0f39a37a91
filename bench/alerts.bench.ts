// Alert rules and the console: what they cost where they run. On the producing thread a line
// costs the same with rules as without (they run on the export worker): the same
// `log.info({ a, b, c, d }, 'msg')` on a tracer whose export worker runs no rules and one whose
// worker runs three, rounds interleaved (and on a tracer without a worker: on a 2-core machine
// the worker decoding millions of lines a second competes with the producer for the CPU). On the worker: the rule engine's time per decoded event and the console's time
// per line, over events decoded from a trace file as the worker decodes them. Targets: the rules
// add nothing measurable to a line (within the rule-less worker's round spread); the engine
// evaluates three rules at ≥ 1 M events/s; the console formats ≥ 250 k lines/s.

import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTracer, type Tracer, type TracerOptions } from '../src/index.js'
import { AlertEngine } from '../src/alerts/alert-engine.js'
import { checkAlerts, type AlertRule } from '../src/alerts/alert-options.js'
import { consoleLine, paletteOf } from '../src/export/console/console-line.js'
import { EXPORT_DECODING, spanRole } from '../src/export/worker/export-router.js'
import type { EventSchema } from '../src/reader/event-schema.js'
import { TraceReader } from '../src/reader/trace-reader.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { check, compileLoop, emitResult, median, runRounds, type RoundCase, MiB, notRun, probeBackends, round, spreadText,
  type Cell, type TargetResult } from './bench-harness.js'

const CALLS = 1000
const RING_BYTES = 64 * MiB
const ROUNDS = 7
const ROUND_TIME_MS = 300
const ROUND_WARMUP_MS = 100
const LINE = "log.info({ a: i, b: 2, c: 3.5, d: true }, 'msg');"
const RULES: AlertRule[] = [
  { name: 'error burst', when: { level: 'error' }, count: { moreThan: 50, withinMs: 10_000 } },
  { name: 'server errors', when: { event: 'log', component: 'api*', where: [['status', '>=', 500]] }, count: { moreThan: 100, withinMs: 60_000 } },
  { name: 'slow requests', when: { span: 'GET /users' }, percentile: { p: 99, moreThan: 200, withinMs: 60_000 } },
]
/** The worker part's trace: lines (one in ten an error with a status) and spans. */
const TRACE_LINES = 200_000
const TRACE_SPANS = 20_000
const WORKER_NO_RULES = 'export worker, no rules'
const ENGINE_TARGET_PER_S = 1_000_000
const CONSOLE_TARGET_PER_S = 250_000


interface Decoded {
  event: TraceEvent
  schema: EventSchema
}

/** A trace of lines and spans, decoded as the export worker decodes the live stream. */
async function decodedTrace(): Promise<Decoded[]> {
  const file = join(tmpdir(), `ringtrace-bench-alerts-${process.pid}.rtrc`)
  const tracer = createTracer({ provider: 'Ringtrace.Bench.Alerts.Trace', file, ringBytes: RING_BYTES, flushOnExit: false })
  const log = tracer.logger({ component: 'api' })
  for (let i = 0; i < TRACE_LINES; i++) {
    if (i % 10 === 0) log.error({ status: 500 + (i % 4), route: '/users' }, 'request failed')
    else log.info({ userId: i, ms: i % 300, ok: true }, 'request done')
    if (i % (TRACE_LINES / TRACE_SPANS) === 0) tracer.span('GET /users', () => i)
    if (i % 10_000 === 0) tracer.flush()
  }
  await tracer.close()
  const reader = new TraceReader(file, EXPORT_DECODING)
  const out: Decoded[] = []
  for await (const batch of reader.batches()) {
    for (const item of batch) {
      if (item.kind !== 'event') continue
      out.push({ event: item, schema: reader.schemaOf(item)! })
    }
  }
  rmSync(file, { force: true })
  return out
}

/** Median ns per item of `pass` over `items`, in ROUNDS passes. */
function nsPerItem(items: number, pass: () => void): { ns: number; rounds: number[] } {
  const rounds: number[] = []
  pass()
  for (let r = 0; r < ROUNDS; r++) {
    const started = process.hrtime.bigint()
    pass()
    rounds.push(Number(process.hrtime.bigint() - started) / items)
  }
  return { ns: median(rounds)!, rounds }
}

async function main(): Promise<void> {
  const probes = probeBackends()
  const cases: RoundCase[] = []
  const tracers: Tracer[] = []
  for (const probe of probes.filter((p) => p.available)) {
    const base: TracerOptions = { provider: 'Ringtrace.Bench.Alerts', backend: probe.name, ringBytes: RING_BYTES, flushOnExit: false }
    // An export without exporters still runs the worker on the live stream: what the rules add is
    // measured against it; the worker's own cost shows against the tracer without one.
    const variants: [string, TracerOptions][] = [
      ['no export worker', { ...base, export: false }],
      [WORKER_NO_RULES, { ...base, export: { otlp: false } }],
      [`${RULES.length} alert rules`, { ...base, export: { otlp: false }, alerts: { rules: RULES } }],
    ]
    for (const [label, options] of variants) {
      const tracer = createTracer(options)
      tracers.push(tracer)
      const log = tracer.logger({ service: 'api' })
      cases.push({ name: `${probe.name}: info, 4 fields, ${label}`, iteration: compileLoop(CALLS, LINE, { log }), afterEach: () => tracer.flush(), medians: [] })
    }
  }
  runRounds(cases, { label: 'alerts', calls: CALLS, rounds: ROUNDS, timeMs: ROUND_TIME_MS, warmupMs: ROUND_WARMUP_MS })
  for (const tracer of tracers) tracer.closeSync()
  const alertStats = tracers.map((t) => t.stats().alerts)

  const decoded = await decodedTrace()
  const roles = decoded.map((d) => spanRole(d.schema))
  let fired = 0
  const engineRun = nsPerItem(decoded.length, () => {
    const engine = new AlertEngine(checkAlerts({ rules: RULES })!.resolved.rules, () => { fired++ }, () => {}, 65536)
    for (let i = 0; i < decoded.length; i++) engine.offer(decoded[i]!.event, decoded[i]!.schema, roles[i]!)
    engine.finish()
  })
  const lines = decoded.filter((d) => d.schema.log !== undefined)
  const palette = paletteOf(true)
  let bytes = 0
  const consoleRun = nsPerItem(lines.length, () => {
    for (const { event, schema } of lines) bytes += consoleLine(event, schema, palette).length
  })

  const byName = new Map(cases.map((c) => [c.name, c]))
  const ns = (name: string): number | null => median(byName.get(name)?.medians ?? [])
  const rows: Cell[][] = cases.map((c) => [c.name, ns(c.name) === null ? null : round(ns(c.name)!, 2), spreadText(c.medians, 2)])
  const targets: TargetResult[] = []
  const producerTarget = `${RULES.length} alert rules add nothing measurable to a line (difference to the same export worker without rules within its round spread)`
  for (const probe of probes) {
    if (!probe.available) {
      targets.push(notRun(producerTarget, probe))
      continue
    }
    const plainRounds = byName.get(`${probe.name}: info, 4 fields, ${WORKER_NO_RULES}`)!.medians
    const plain = median(plainRounds)!
    const ruled = ns(`${probe.name}: info, 4 fields, ${RULES.length} alert rules`)!
    const spread = Math.max(...plainRounds) - Math.min(...plainRounds)
    targets.push(check(producerTarget, probe.name, `${round(ruled, 1)} vs ${round(plain, 1)} ns (${ruled >= plain ? '+' : ''}${round(ruled - plain, 1)} ns; spread ${round(spread, 1)} ns)`,
      ruled - plain <= spread))
  }
  const enginePerS = 1e9 / engineRun.ns
  const consolePerS = 1e9 / consoleRun.ns
  targets.push(check(`the rule engine evaluates ${RULES.length} rules at ≥ ${ENGINE_TARGET_PER_S.toLocaleString('en-US')} events/s`, 'all',
    `${round(engineRun.ns, 1)} ns/event: ${Math.round(enginePerS).toLocaleString('en-US')} events/s`, enginePerS >= ENGINE_TARGET_PER_S))
  targets.push(check(`the console formats ≥ ${CONSOLE_TARGET_PER_S.toLocaleString('en-US')} lines/s`, 'all',
    `${round(consoleRun.ns, 1)} ns/line: ${Math.round(consolePerS).toLocaleString('en-US')} lines/s`, consolePerS >= CONSOLE_TARGET_PER_S))

  emitResult({
    scenario: 'alerts',
    title: 'Alert rules and the console: the producing thread, and the worker\'s share',
    method: `Producer: ${CALLS} calls \`${LINE}\` per task iteration, ${ROUNDS} rounds of ${ROUND_TIME_MS} ms (warm-up ${ROUND_WARMUP_MS} ms) in rotating order, on a tracer without an export worker, one whose worker (\`export: { otlp: false }\`) decodes the live stream and runs no rules, and one whose worker runs ${RULES.length} (${RULES.map((r) => r.name).join(', ')}), each flushed after every iteration; each figure the median of its rounds' medians. Worker: ${decoded.length.toLocaleString('en-US')} events (${TRACE_LINES.toLocaleString('en-US')} lines, one in ten an error with a status, and ${TRACE_SPANS.toLocaleString('en-US')} spans) decoded from a trace file as the worker decodes the live stream (ids as bytes), then offered to a new AlertEngine with the same rules, and the ${lines.length.toLocaleString('en-US')} lines formatted by the console with colours; ${ROUNDS} timed passes after one untimed, the median reported.`,
    backends: probes,
    tables: [
      { title: 'Producing thread: cost per line (ns)', columns: ['task', 'median ns', 'round medians'], rows },
      {
        title: 'Export worker: cost per item',
        columns: ['work', 'items', 'median ns/item', 'items/s', 'pass medians (ns)'],
        rows: [
          [`alert engine, ${RULES.length} rules`, decoded.length, round(engineRun.ns, 1), Math.round(enginePerS), spreadText(engineRun.rounds, 1)],
          ['console line (colours)', lines.length, round(consoleRun.ns, 1), Math.round(consolePerS), spreadText(consoleRun.rounds, 1)],
        ],
      },
    ],
    targets,
    notes: [],
    raw: { cases: cases.map((c) => ({ name: c.name, medians: c.medians })), engineRun, consoleRun, firedPerPass: fired / (ROUNDS + 1), consoleBytes: bytes, alertStats },
  })
}

void main()
