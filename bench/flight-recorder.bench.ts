// The flight recorder (createTracer's ringDir): what a file-backed ring costs per event, and how
// fast `ringtrace recover` reads a big ring directory. Per event: the same typed event on two
// native tracers of the same ring size and policy (overwrite), one whose ring is heap memory and
// one whose ring is a mapped ring file, rounds interleaved. Recover: one 1 GiB overwrite ring
// filled past a lap with events of the same shape, the process's tracer closed, then
// recoverRingDir() into a trace file, timed in fresh passes. Targets (issue): a file-backed ring
// costs the same per event as an anonymous one (within the rounds' spread); recover of a 1 GiB
// ring directory ≤ 2 s.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTracer, t, type Tracer } from '../src/index.js'
import { listRingRuns, recoverRingDir } from '../src/recorder/index.js'
import { check, compileLoop, emitResult, median, MiB, notRun, probeBackends, round, runRounds, spreadText, type RoundCase, type TargetResult } from './bench-harness.js'

const CALLS = 1000
const RING_BYTES = 64 * MiB
const ROUNDS = 9
const ROUND_TIME_MS = 300
const ROUND_WARMUP_MS = 100
const RECOVER_RING_BYTES = 1 << 30
const RECOVER_PASSES = 3
const RECOVER_TARGET_MS = 2000
const CALL = 'tick(i, 0.5, i + 1);'

async function main(): Promise<void> {
  const probes = probeBackends()
  const native = probes.find((p) => p.name === 'native')!
  const costTarget = 'a file-backed ring costs the same per event as an anonymous one (ratio within the rounds\' spread)'
  const recoverTarget = `recover of a 1 GiB ring directory ≤ ${RECOVER_TARGET_MS} ms`
  if (!native.available) {
    emitResult({
      scenario: 'flight-recorder', title: 'Flight recorder: file-backed rings and recover', method: 'Needs the native backend (ring files are mapped by the addon).',
      backends: probes, tables: [], targets: [notRun(costTarget, native), notRun(recoverTarget, native)], notes: [], raw: {},
    })
    return
  }
  const base = mkdtempSync(join(tmpdir(), 'ringtrace-bench-recorder-'))
  const tracers: Tracer[] = []
  const cases: RoundCase[] = []
  for (const [name, ringDir] of [['heap ring', undefined], ['ring file', join(base, 'cost')]] as const) {
    const tracer = createTracer({ provider: 'Ringtrace.Bench.Recorder', backend: 'native', ringBytes: RING_BYTES, onFull: 'overwrite', flushOnExit: false, ...(ringDir === undefined ? {} : { ringDir }) })
    tracers.push(tracer)
    const tick = tracer.event('Tick', [['i', t.u32], ['ratio', t.f64], ['n', t.u32]])
    cases.push({ name, iteration: compileLoop(CALLS, CALL, { tick }), afterEach: () => tracer.flush(), medians: [] })
  }
  runRounds(cases, { label: 'flight-recorder', calls: CALLS, rounds: ROUNDS, timeMs: ROUND_TIME_MS, warmupMs: ROUND_WARMUP_MS })
  for (const tracer of tracers) tracer.closeSync()
  const [heap, file] = cases.map((c) => median(c.medians)!)
  const ratios = cases[0]!.medians.map((h, r) => cases[1]!.medians[r]! / h)
  const spread = (values: number[]) => (Math.max(...values) - Math.min(...values)) / median(values)!

  // Recover: a 1 GiB ring lapped once, so that the scan searches the previous lap as after a kill.
  const dir = join(base, 'recover')
  const tracer = createTracer({ provider: 'Ringtrace.Bench.Recorder', backend: 'native', ringBytes: RECOVER_RING_BYTES, onFull: 'overwrite', ringDir: dir, flushOnExit: false })
  const tick = tracer.event('Tick', [['i', t.u32], ['ratio', t.f64], ['n', t.u32]])
  const events = Math.ceil((RECOVER_RING_BYTES * 1.1) / 40)
  for (let i = 0; i < events; i++) tick(i, 0.5, i + 1)
  tracer.closeSync()
  const recoverMs: number[] = []
  let recovered = 0
  for (let pass = 0; pass < RECOVER_PASSES; pass++) {
    const output = join(base, `recovered-${pass}.rtrc`)
    const started = performance.now()
    recovered = recoverRingDir(dir, output).events
    recoverMs.push(performance.now() - started)
    rmSync(output, { force: true })
  }
  // The I/O floor of the same run: the ring file's bytes read and written out once, no checks,
  // no framing, no CRC. What recover costs beyond it is its own work.
  const ringFile = listRingRuns(dir)[0]!.rings[0]!.path
  const floorMs: number[] = []
  for (let pass = 0; pass < RECOVER_PASSES; pass++) {
    const output = join(base, `copy-${pass}`)
    const started = performance.now()
    writeFileSync(output, readFileSync(ringFile))
    floorMs.push(performance.now() - started)
    rmSync(output, { force: true })
  }
  rmSync(base, { recursive: true, force: true })
  const recover = median(recoverMs)!
  const floor = median(floorMs)!

  const targets: TargetResult[] = [
    check(costTarget, 'native', `${round(heap, 2)} ns (heap) vs ${round(file, 2)} ns (file): ${round(file / heap, 3)}×, round ratios ${spreadText(ratios, 3)}; heap rounds spread ±${round(spread(cases[0]!.medians) * 50, 1)}%`,
      file / heap <= 1 + spread(cases[0]!.medians)),
    check(recoverTarget, 'native', `${Math.round(recover)} ms for ${recovered.toLocaleString('en-US')} events; ${round(recover / floor, 2)}× the I/O floor (${Math.round(floor)} ms)`, recover <= RECOVER_TARGET_MS),
  ]
  emitResult({
    scenario: 'flight-recorder',
    title: 'Flight recorder: file-backed rings and recover',
    method: `Per event: \`${CALL}\` (u32, f64, u32) on two native tracers with ${RING_BYTES / MiB} MiB overwrite rings, one of heap memory and one a mapped ring file (ringDir), ${CALLS} calls per iteration, ${ROUNDS} interleaved tinybench rounds of ${ROUND_TIME_MS} ms; medians of the rounds' medians. Recover: a 1 GiB overwrite ring in a ring directory, filled with ${events.toLocaleString('en-US')} of the same events (1.1 laps), its tracer closed, then recoverRingDir() into a trace file ${RECOVER_PASSES} times (page cache warm), median; the floor: readFileSync of the ring file and writeFileSync of its bytes, ${RECOVER_PASSES} times, median.`,
    backends: probes,
    tables: [{
      title: 'Per event and recover',
      columns: ['what', 'median', 'rounds'],
      rows: [
        ['heap ring (ns/event)', round(heap, 2), spreadText(cases[0]!.medians, 2)],
        ['ring file (ns/event)', round(file, 2), spreadText(cases[1]!.medians, 2)],
        ['recover 1 GiB (ms)', Math.round(recover), spreadText(recoverMs, 0)],
        ['floor: read the ring file, write it out (ms)', Math.round(floor), spreadText(floorMs, 0)],
      ],
    }],
    targets,
    notes: [],
    raw: { heap: cases[0]!.medians, file: cases[1]!.medians, recoverMs, floorMs, recovered },
  })
}

void main()
