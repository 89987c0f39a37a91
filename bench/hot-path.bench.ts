// The cost of one trace call against its floors and its peer, in one tinybench run: writing the
// same numbers into a Float64Array, an empty call, performance.now(), and pino (enabled, writing
// synchronously to /dev/null, and at a disabled level). The targets are the check() calls below;
// docs/benchmarks.md lists them with the last run's results.

import { channel } from 'node:diagnostics_channel'
import pino from 'pino'
import { Bench, type Task } from 'tinybench'
import { createTracer, type Tracer } from '../src/index.js'
import { check, compileLoop, emitResult, MiB, notRun, PRIMING_CALL_ARGS, PRIMING_FIELDS, probeBackends, round,
  type BackendName, type Cell, type TargetResult } from './bench-harness.js'

/** Calls per task iteration: tinybench's own per-iteration cost (tens of ns) is spread over these. */
const CALLS = 1000
/** Large enough that no task fills it between two flushes (one flush per iteration). */
const RING_BYTES = 64 * MiB

const TASK = {
  floor: 'floor: counter + 4 numbers into a Float64Array',
  empty: 'empty function call (4 args)',
  now: 'performance.now()',
  channel: 'diagnostics_channel publish(), no subscriber',
  pino: 'pino info({4 fields}) to /dev/null, sync',
  pinoOff: 'pino info() at a disabled level',
} as const

const traceTask = (backend: BackendName, kind: 'precise' | 'coarse' | 'disabled'): string => `${backend}: traceX ${kind}`

interface TracerUnderTest {
  backend: BackendName
  tracer: Tracer
  /** Task iterations (warm-up included) of the enabled events: CALLS records each. */
  enabledIterations: number
}

function addTracerTasks(bench: Bench, backend: BackendName): TracerUnderTest {
  const tracer = createTracer({ provider: 'Ringtrace.Bench.HotPath', backend, ringBytes: RING_BYTES, flushOnExit: false })
  const under: TracerUnderTest = { backend, tracer, enabledIterations: 0 }
  const events = {
    precise: tracer.event('PrimingPrecise', PRIMING_FIELDS, { clock: 'precise' }),
    coarse: tracer.event('PrimingCoarse', PRIMING_FIELDS, { clock: 'coarse' }),
    disabled: tracer.event('PrimingDisabled', PRIMING_FIELDS, { clock: 'precise', enabled: false }),
  }
  for (const kind of ['precise', 'coarse', 'disabled'] as const) {
    const loop = compileLoop(CALLS, `trace(${PRIMING_CALL_ARGS});`, { trace: events[kind] })
    bench.add(traceTask(backend, kind), loop, {
      async: false,
      // Outside the timed window: the ring never fills, and the collector's work is not timed.
      afterEach: () => {
        if (kind !== 'disabled') under.enabledIterations++
        tracer.flush()
      },
    })
  }
  return under
}

interface TaskFigures {
  name: string
  state: string
  medianNs: number | null
  meanNs: number | null
  p99Ns: number | null
  rmePercent: number | null
  samples: number
}

function figures(task: Task): TaskFigures {
  const result = task.result
  if (result.state !== 'completed' && result.state !== 'aborted-with-statistics') {
    return { name: task.name, state: result.state === 'errored' ? `errored: ${result.error.message}` : result.state,
      medianNs: null, meanNs: null, p99Ns: null, rmePercent: null, samples: 0 }
  }
  // latency is in ms per iteration; one iteration is CALLS calls.
  const perCall = (ms: number) => (ms * 1e6) / CALLS
  return {
    name: task.name,
    state: result.state,
    medianNs: perCall(result.latency.p50),
    meanNs: perCall(result.latency.mean),
    p99Ns: perCall(result.latency.p99),
    rmePercent: result.latency.rme,
    samples: result.latency.samplesCount,
  }
}

function main(): void {
  const probes = probeBackends()
  const bench = new Bench({ name: 'hot-path', time: 1000, warmupTime: 300 })
  // Without `async: false` tinybench calls each task once at add() to detect a promise.
  const sync = { async: false }

  const floorRing = new Float64Array(RING_BYTES / 8)
  bench.add(TASK.floor, compileLoop(CALLS,
    'const o = idx; ring[o] = result++; ring[o + 1] = 1; ring[o + 2] = 0.75; ring[o + 3] = i; ring[o + 4] = i + 1; idx = o + 5 > LAST ? 0 : o + 5;',
    { ring: floorRing, LAST: floorRing.length - 5 }, 'let result = 0; let idx = 0;'), sync)
  bench.add(TASK.empty, compileLoop(CALLS, `empty(${PRIMING_CALL_ARGS});`, {}, 'let result = 0; function empty(a, b, c, d) {}'), sync)
  bench.add(TASK.now, compileLoop(CALLS, 'result = performance.now();', { performance }), sync)

  // Informational: a disabled event is meant to cost what a publish() with no subscriber costs.
  bench.add(TASK.channel, compileLoop(CALLS, `ch.publish({ primingType: 1, strength: 0.75, source: i, target: i + 1 });`,
    { ch: channel('ringtrace.bench.hot-path') }), sync)

  const devNull = () => pino.destination({ dest: '/dev/null', sync: true })
  const logger = pino(devNull())
  const quiet = pino({ level: 'warn' }, devNull())
  const pinoArgs = '{ primingType: 1, strength: 0.75, source: i, target: i + 1 }'
  bench.add(TASK.pino, compileLoop(CALLS, `logger.info(${pinoArgs});`, { logger }), sync)
  bench.add(TASK.pinoOff, compileLoop(CALLS, `logger.info(${pinoArgs});`, { logger: quiet }), sync)

  const tracers = probes.filter((p) => p.available).map((p) => addTracerTasks(bench, p.name))

  bench.runSync()

  const byName = new Map(bench.tasks.map((task) => [task.name, figures(task)]))
  const median = (name: string) => byName.get(name)?.medianNs ?? null
  const floor = median(TASK.floor)

  const rows: Cell[][] = bench.tasks.map((task) => {
    const f = byName.get(task.name)!
    return [
      f.name,
      f.medianNs === null ? f.state : round(f.medianNs, 2),
      f.meanNs === null ? null : round(f.meanNs, 2),
      f.p99Ns === null ? null : round(f.p99Ns, 2),
      f.medianNs === null ? null : Math.round(1e9 / f.medianNs),
      f.rmePercent === null ? null : round(f.rmePercent, 2),
      f.samples,
      f.medianNs === null || floor === null ? null : round(f.medianNs / floor, 2),
    ]
  })

  const accounting: Cell[][] = []
  const targets: TargetResult[] = []
  const fmt = (ns: number | null) => (ns === null ? 'n/a' : `${round(ns, 2)} ns`)
  for (const probe of probes) {
    const under = tracers.find((u) => u.backend === probe.name)
    const names = {
      precise: `precise ≤ 1.3 × (performance.now + floor)`,
      coarse: 'coarse ≤ 2.5 × floor',
      disabled: 'disabled ≤ 1.5 × empty call',
      pinoPrecise: 'pino / precise ≥ 25',
      pinoCoarse: 'pino / coarse ≥ 100',
      lost: '0 events lost (64 MiB ring, flushed every iteration); written = delivered + lost',
    }
    if (under === undefined) {
      for (const name of Object.values(names)) targets.push(notRun(name, probe))
      continue
    }
    const b = probe.name
    const precise = median(traceTask(b, 'precise'))
    const coarse = median(traceTask(b, 'coarse'))
    const disabled = median(traceTask(b, 'disabled'))
    const now = median(TASK.now)
    const empty = median(TASK.empty)
    const pinoNs = median(TASK.pino)
    const ratio = (a: number | null, d: number | null) => (a === null || d === null || d === 0 ? null : a / d)
    const nowPlusFloor = now === null || floor === null ? null : now + floor
    const r1 = ratio(precise, nowPlusFloor)
    targets.push(check(names.precise, b, `${fmt(precise)} vs ${fmt(nowPlusFloor)}: ${r1 === null ? 'n/a' : `${round(r1, 2)}×`}`, r1 !== null && r1 <= 1.3))
    const r2 = ratio(coarse, floor)
    targets.push(check(names.coarse, b, `${fmt(coarse)} vs ${fmt(floor)}: ${r2 === null ? 'n/a' : `${round(r2, 2)}×`}`, r2 !== null && r2 <= 2.5))
    const r3 = ratio(disabled, empty)
    targets.push(check(names.disabled, b, `${fmt(disabled)} vs ${fmt(empty)}: ${r3 === null ? 'n/a' : `${round(r3, 2)}×`}`, r3 !== null && r3 <= 1.5))
    const r4 = ratio(pinoNs, precise)
    targets.push(check(names.pinoPrecise, b, `${fmt(pinoNs)} / ${fmt(precise)} = ${r4 === null ? 'n/a' : `${round(r4, 1)}×`}`, r4 !== null && r4 >= 25))
    const r5 = ratio(pinoNs, coarse)
    targets.push(check(names.pinoCoarse, b, `${fmt(pinoNs)} / ${fmt(coarse)} = ${r5 === null ? 'n/a' : `${round(r5, 1)}×`}`, r5 !== null && r5 >= 100))

    under.tracer.flush()
    const s = under.tracer.stats()
    const expected = under.enabledIterations * CALLS
    accounting.push([b, expected, s.written, s.delivered, s.lost, s.inRing])
    const consistent = s.lost === 0 && s.written === s.delivered + s.lost && s.written === expected
    targets.push(check(names.lost, b, `written ${s.written} (expected ${expected}), delivered ${s.delivered}, lost ${s.lost}`, consistent))
    under.tracer.closeSync()
  }

  const ran = tracers.map((u) => u.backend).join(', ') || 'none'
  emitResult({
    scenario: 'hot-path',
    title: 'Hot path: one trace call',
    method: `One tinybench run (1 s per task after 300 ms warm-up), every task in the same process. Each iteration makes ${CALLS} calls from a call site compiled for that task alone (\`new Function\`), so figures are per call: median = tinybench latency p50 / ${CALLS}. The tracer uses a ${RING_BYTES / MiB} MiB ring and is flushed after every iteration, outside the timed window. Event: \`Priming(primingType u8, strength f32, source u64, target u64)\`, a 40-byte record. Backends run: ${ran}.`,
    backends: probes,
    tables: [
      { title: 'Per-call cost', columns: ['task', 'median ns/call', 'mean ns/call', 'p99 ns/call', 'calls/s (median)', 'rme %', 'samples', '× floor'], rows },
      { title: 'Ring accounting after the run', columns: ['backend', 'expected records', 'written', 'delivered', 'lost', 'in ring'], rows: accounting },
    ],
    targets,
    notes: [
      'The floor writes a counter and the same four numbers into a 64 MiB Float64Array with a wrapping index: the least any JS tracer can do.',
      'V8 inlines the empty function, so "empty function call" is the loop and argument cost of an optimized call site.',
      'diagnostics_channel is informational: a disabled event is meant to cost what its publish() with no subscriber costs, a typed-array load and a branch.',
      ...probes.filter((p) => !p.available).map((p) => `Backend ${p.name} skipped: ${p.reason}`),
    ],
    raw: { calls: CALLS, ringBytes: RING_BYTES, tasks: [...byName.values()] },
  })
}

main()
