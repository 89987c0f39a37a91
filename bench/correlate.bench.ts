// What `correlate` costs a trace call: the Priming event on a tracer with correlate off and one
// with it on, traced outside any span and inside one, with the precise and the coarse clock. The
// machine is noisy, so the tasks run in several short rounds, each in another order (A/B
// interleaved), and each figure is the median of its rounds' medians. No target: the figures say
// what the 24 bytes and the context read cost.

import { Bench, type Task } from 'tinybench'
import { createTracer, type Span, type Tracer } from '../src/index.js'
import { check, compileLoop, emitResult, median, medianNsPerCall, MiB, notRun, PRIMING_CALL_ARGS, PRIMING_FIELDS, probeBackends,
  round, roundOrder, spreadText, type BackendName, type Cell, type TargetResult } from './bench-harness.js'

/** Calls per task iteration: tinybench's own per-iteration cost is spread over these. */
const CALLS = 1000
/** Large enough that no task fills it between two flushes (one flush per iteration). */
const RING_BYTES = 64 * MiB
const ROUNDS = 7
const ROUND_TIME_MS = 300
const ROUND_WARMUP_MS = 100

const CLOCKS = ['precise', 'coarse'] as const
const PLACES = ['outside', 'inside'] as const
type Clock = (typeof CLOCKS)[number]
type Place = (typeof PLACES)[number]

interface Case {
  name: string
  backend: BackendName
  clock: Clock
  place: Place
  correlate: boolean
  /** One task iteration: CALLS trace calls, inside the span for an `inside` case. */
  iteration: () => unknown
  afterEach: () => void
  /** The median ns/call of each round. */
  medians: number[]
}

interface TracerUnderTest {
  backend: BackendName
  correlate: boolean
  tracer: Tracer
  /** Task iterations (warm-up included): CALLS records each. */
  iterations: number
}

const caseName = (backend: BackendName, clock: Clock, place: Place, correlate: boolean): string =>
  `${backend}: ${clock}, ${place} a span, correlate ${correlate ? 'on' : 'off'}`

function addCases(cases: Case[], backend: BackendName, correlate: boolean, span: Span): TracerUnderTest {
  const tracer = createTracer({ provider: 'Ringtrace.Bench.Correlate', backend, ringBytes: RING_BYTES, flushOnExit: false, correlate })
  const under: TracerUnderTest = { backend, correlate, tracer, iterations: 0 }
  for (const clock of CLOCKS) {
    const trace = tracer.event(`Priming_${clock}`, PRIMING_FIELDS, { clock })
    for (const place of PLACES) {
      const loop = compileLoop(CALLS, `trace(${PRIMING_CALL_ARGS});`, { trace })
      // Entering the span once per CALLS calls adds well under 1 ns to each.
      const iteration = place === 'inside' ? () => span.run(loop) : loop
      const afterEach = () => {
        under.iterations++
        tracer.flush()
      }
      cases.push({ name: caseName(backend, clock, place, correlate), backend, clock, place, correlate, iteration, afterEach, medians: [] })
    }
  }
  return under
}

const medianNs = (task: Task | undefined): number | null => medianNsPerCall(task, CALLS)

/** Runs every case once per round, the order rotated and reversed from round to round. */
function runRounds(cases: Case[]): void {
  for (let r = 0; r < ROUNDS; r++) {
    const order = roundOrder(cases, r)
    const bench = new Bench({ name: `correlate round ${r + 1}`, time: ROUND_TIME_MS, warmupTime: ROUND_WARMUP_MS })
    // Without `async: false` tinybench calls each task once at add() to detect a promise.
    for (const c of order) bench.add(c.name, c.iteration, { async: false, afterEach: c.afterEach })
    bench.runSync()
    for (const c of order) {
      const ns = medianNs(bench.getTask(c.name))
      if (ns !== null) c.medians.push(ns)
    }
  }
}

function main(): void {
  const probes = probeBackends()
  const cases: Case[] = []
  const tracers: TracerUnderTest[] = []
  // The span the inside cases run in, on a tracer of its own (the others' accounting counts their
  // Priming records only): the context is the thread's, whichever tracer traces in it.
  const spanTracer = createTracer({ provider: 'Ringtrace.Bench.Correlate.Span', backend: 'js', ringBytes: 4096, flushOnExit: false })
  const span = spanTracer.startSpan('CorrelateBench')
  for (const probe of probes.filter((p) => p.available)) {
    for (const correlate of [false, true]) tracers.push(addCases(cases, probe.name, correlate, span))
  }
  runRounds(cases)

  const byName = new Map(cases.map((c) => [c.name, c]))
  const figure = (backend: BackendName, clock: Clock, place: Place, correlate: boolean) => median(byName.get(caseName(backend, clock, place, correlate))?.medians ?? [])
  const spread = (backend: BackendName, clock: Clock, place: Place, correlate: boolean): string => {
    return spreadText(byName.get(caseName(backend, clock, place, correlate))?.medians ?? [])
  }
  const rows: Cell[][] = []
  const targets: TargetResult[] = []
  const accounting: Cell[][] = []
  const lostTarget = '0 events lost (64 MiB ring, flushed every iteration); written = delivered + lost'
  for (const probe of probes) {
    const b = probe.name
    if (!probe.available) {
      targets.push(notRun(lostTarget, probe))
      continue
    }
    for (const clock of CLOCKS) {
      for (const place of PLACES) {
        const off = figure(b, clock, place, false)
        const on = figure(b, clock, place, true)
        rows.push([b, clock, place, off === null ? null : round(off, 2), on === null ? null : round(on, 2),
          off === null || on === null ? null : round(on - off, 2), off === null || on === null || off === 0 ? null : round(on / off, 2),
          spread(b, clock, place, false), spread(b, clock, place, true)])
      }
    }
  }
  for (const under of tracers) {
    under.tracer.flush()
    const s = under.tracer.stats()
    const expected = under.iterations * CALLS
    const label = `${under.backend}, correlate ${under.correlate ? 'on' : 'off'}`
    accounting.push([label, expected, s.written, s.delivered, s.lost, s.inRing])
    const consistent = s.lost === 0 && s.written === s.delivered + s.lost && s.written === expected
    targets.push(check(`${lostTarget} (correlate ${under.correlate ? 'on' : 'off'})`, under.backend,
      `written ${s.written} (expected ${expected}), delivered ${s.delivered}, lost ${s.lost}`, consistent))
  }
  span.end()
  spanTracer.closeSync()
  for (const under of tracers) under.tracer.closeSync()

  const ran = [...new Set(tracers.map((u) => u.backend))].join(', ') || 'none'
  emitResult({
    scenario: 'correlate',
    title: 'Correlated events: the cost of recording the span context',
    method: `${ROUNDS} tinybench rounds (${ROUND_TIME_MS} ms per task after ${ROUND_WARMUP_MS} ms warm-up), every task in the same process, the task order rotated and reversed from round to round so that correlate off and on alternate. Each iteration makes ${CALLS} calls of \`trace(${PRIMING_CALL_ARGS})\` (\`Priming(primingType u8, strength f32, source u64, target u64)\`: 40 bytes, 64 correlated) from a call site compiled for that task alone; a figure is the median over the rounds of tinybench's latency p50 / ${CALLS}. Inside: the iteration runs in \`span.run()\` of one open span. Two tracers per backend, correlate off and on, each with a ${RING_BYTES / MiB} MiB ring flushed after every iteration, outside the timed window. Backends run: ${ran}.`,
    backends: probes,
    tables: [
      { title: 'Per-call cost (median ns/call)', columns: ['backend', 'clock', 'span', 'correlate off', 'correlate on', 'on − off', 'on / off', 'off: round medians', 'on: round medians'], rows },
      { title: 'Ring accounting after the run', columns: ['tracer', 'expected records', 'written', 'delivered', 'lost', 'in ring'], rows: accounting },
    ],
    targets,
    notes: [
      'No target. Correlate on reads the span context (AsyncLocalStorage.getStore()) and stores six more words; outside a span the words are zeros, so the inside/outside difference with correlate on is the store lookup finding a context, not more work.',
      ...probes.filter((p) => !p.available).map((p) => `Backend ${p.name} skipped: ${p.reason}`),
    ],
    raw: { calls: CALLS, ringBytes: RING_BYTES, rounds: ROUNDS, cases: cases.map((c) => ({ name: c.name, medians: c.medians })) },
  })
}

main()
