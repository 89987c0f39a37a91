// The dynamic EventBuilder next to the typed trace function it stands in for, in one tinybench
// run: reset + four numeric adds + write against traceX with the same four fields (the same
// 40-byte record), on each backend, and both at a level the tracer does not record (the builder
// behind its isEnabled() check). No target: the figures say what a run-time shape costs.

import { Bench, type Task } from 'tinybench'
import { createTracer, Level, type Tracer } from '../src/index.js'
import { EventBuilder } from '../src/dynamic/index.js'
import { check, compileLoop, emitResult, medianNsPerCall, MiB, notRun, PRIMING_CALL_ARGS, PRIMING_FIELDS, probeBackends, round,
  type BackendName, type Cell, type TargetResult } from './bench-harness.js'

/** Calls per task iteration: tinybench's own per-iteration cost is spread over these. */
const CALLS = 1000
/** Large enough that no task fills it between two flushes (one flush per iteration). */
const RING_BYTES = 64 * MiB
const KEYWORD = 0x1n

type Kind = 'traceX' | 'builder' | 'traceX disabled' | 'builder disabled'
const KINDS: readonly Kind[] = ['traceX', 'builder', 'traceX disabled', 'builder disabled']

const taskName = (backend: BackendName, kind: Kind): string => `${backend}: ${kind}`

/** The builder's calls: the Priming fields in the order and types of PRIMING_FIELDS. */
const builderCall = (level: string) =>
  `if (eb.isEnabled(${level}, KEYWORD)) eb.reset('PrimingDynamic', ${level}, KEYWORD)` +
  ".addU8('primingType', 1).addF32('strength', 0.75).addU64('source', i).addU64('target', i + 1).write();"

interface TracerUnderTest {
  backend: BackendName
  tracer: Tracer
  /** Task iterations (warm-up included) of the enabled tasks: CALLS records each. */
  enabledIterations: number
}

function addTracerTasks(bench: Bench, backend: BackendName): TracerUnderTest {
  // Level Info: the Verbose tasks are the disabled ones.
  const tracer = createTracer({ provider: 'Ringtrace.Bench.EventBuilder', backend, ringBytes: RING_BYTES, level: Level.Info, flushOnExit: false })
  const under: TracerUnderTest = { backend, tracer, enabledIterations: 0 }
  const loops: Record<Kind, () => unknown> = {
    traceX: compileLoop(CALLS, `trace(${PRIMING_CALL_ARGS});`,
      { trace: tracer.event('Priming', PRIMING_FIELDS, { level: Level.Info, keyword: KEYWORD }) }),
    builder: compileLoop(CALLS, builderCall(String(Level.Info)), { eb: new EventBuilder(tracer), KEYWORD }),
    'traceX disabled': compileLoop(CALLS, `trace(${PRIMING_CALL_ARGS});`,
      { trace: tracer.event('PrimingVerbose', PRIMING_FIELDS, { level: Level.Verbose, keyword: KEYWORD }) }),
    'builder disabled': compileLoop(CALLS, builderCall(String(Level.Verbose)), { eb: new EventBuilder(tracer), KEYWORD }),
  }
  for (const kind of KINDS) {
    bench.add(taskName(backend, kind), loops[kind], {
      async: false,
      // Outside the timed window: the ring never fills, and the collector's work is not timed.
      afterEach: () => {
        if (!kind.endsWith('disabled')) under.enabledIterations++
        tracer.flush()
      },
    })
  }
  return under
}

const medianNs = (task: Task | undefined): number | null => medianNsPerCall(task, CALLS)

function main(): void {
  const probes = probeBackends()
  const bench = new Bench({ name: 'event-builder', time: 1000, warmupTime: 300 })
  const tracers = probes.filter((p) => p.available).map((p) => addTracerTasks(bench, p.name))

  bench.runSync()

  const byName = new Map(bench.tasks.map((task) => [task.name, task]))
  const median = (backend: BackendName, kind: Kind) => medianNs(byName.get(taskName(backend, kind)))
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b, 2))
  const rows: Cell[][] = []
  const targets: TargetResult[] = []
  const accounting: Cell[][] = []
  for (const probe of probes) {
    const under = tracers.find((u) => u.backend === probe.name)
    const lostTarget = '0 events lost (64 MiB ring, flushed every iteration); written = delivered + lost'
    if (under === undefined) {
      targets.push(notRun(lostTarget, probe))
      continue
    }
    const b = probe.name
    const traceX = median(b, 'traceX')
    const builder = median(b, 'builder')
    const traceOff = median(b, 'traceX disabled')
    const builderOff = median(b, 'builder disabled')
    const cell = (ns: number | null): Cell => (ns === null ? null : round(ns, 2))
    rows.push([b, cell(traceX), cell(builder), ratio(builder, traceX), cell(traceOff), cell(builderOff), ratio(builderOff, traceOff)])

    under.tracer.flush()
    const s = under.tracer.stats()
    const expected = under.enabledIterations * CALLS
    accounting.push([b, expected, s.written, s.delivered, s.lost, s.inRing])
    const consistent = s.lost === 0 && s.written === s.delivered + s.lost && s.written === expected
    targets.push(check(lostTarget, b, `written ${s.written} (expected ${expected}), delivered ${s.delivered}, lost ${s.lost}`, consistent))
    under.tracer.closeSync()
  }

  const ran = tracers.map((u) => u.backend).join(', ') || 'none'
  emitResult({
    scenario: 'event-builder',
    title: 'Dynamic events: EventBuilder next to traceX',
    method: `One tinybench run (1 s per task after 300 ms warm-up), every task in the same process. Each iteration makes ${CALLS} calls from a call site compiled for that task alone, so figures are per call: median = tinybench latency p50 / ${CALLS}. traceX: \`trace(1, 0.75, i, i + 1)\` of \`Priming(primingType u8, strength f32, source u64, target u64)\`. Builder: \`if (eb.isEnabled(level, kw)) eb.reset('PrimingDynamic', level, kw).addU8(..).addF32(..).addU64(..).addU64(..).write()\`, the same 40-byte record, its shape registered on the first call and found in the shape cache after. Disabled: both at Verbose on a tracer at level Info. ${RING_BYTES / MiB} MiB ring flushed after every iteration, outside the timed window. Backends run: ${ran}.`,
    backends: probes,
    tables: [
      { title: 'Per-call cost (median ns/call)', columns: ['backend', 'traceX', 'EventBuilder', 'builder / traceX', 'traceX disabled', 'builder disabled (isEnabled)', 'disabled ratio'], rows },
      { title: 'Ring accounting after the run', columns: ['backend', 'expected records', 'written', 'delivered', 'lost', 'in ring'], rows: accounting },
    ],
    targets,
    notes: [
      'No target: issue 4 asks that the builder\'s cost be measured next to traceX. The builder does per call what traceX does once at setup (level, keyword and name checks, one shape-trie step per field) and calls the same specialised writer through an argument-spreading invoker.',
      ...probes.filter((p) => !p.available).map((p) => `Backend ${p.name} skipped: ${p.reason}`),
    ],
    raw: { calls: CALLS, ringBytes: RING_BYTES, tasks: bench.tasks.map((task) => ({ name: task.name, medianNs: medianNs(task) })) },
  })
}

main()
