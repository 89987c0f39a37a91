// What every scenario shares: the benchmarked event's schema, backend probing (native is skipped,
// with its load error, only while it cannot load), per-task call sites, and the one JSON line a
// scenario prints for bench/run.js to collect.

import { Bench, type Task } from 'tinybench'
import { createTracer, t } from '../src/index.js'

export type BackendName = 'native' | 'js'
export const BACKENDS: readonly BackendName[] = ['native', 'js']

/** The README's example event: four numeric fields, a 40-byte record. */
export const PRIMING_FIELDS = [['primingType', t.u8], ['strength', t.f32], ['source', t.u64], ['target', t.u64]] as const

export interface BackendProbe {
  name: BackendName
  available: boolean
  /** Why the backend did not load (first line of the error). */
  reason?: string
}

/** Creates and closes a small tracer on each backend: what loads here is what the scenario runs. */
export function probeBackends(): BackendProbe[] {
  return BACKENDS.map((name) => {
    try {
      const tracer = createTracer({ provider: 'Ringtrace.Bench.Probe', backend: name, ringBytes: 4096, flushOnExit: false })
      tracer.closeSync()
      return { name, available: true }
    } catch (error) {
      return { name, available: false, reason: String((error as Error).message).split('\n')[0] }
    }
  })
}

let loopsCompiled = 0

/**
 * Compiles a loop running `body` `count` times (the index is `i`) into a function of its own, so
 * each benchmarked call site has its own type feedback and V8 sees a monomorphic call, as an
 * application's call site would. The source carries a serial number: V8 caches compiled code by
 * source text, and two `new Function`s with the same text share one SharedFunctionInfo and their
 * inner closures one feedback vector ("many closures"); measured, the disabled event then cost
 * 6.7 ns instead of 0.6 ns because its call site had seen the enabled writers. `bindings` become
 * closure variables; `prelude` declares state that lives across calls. The loop returns `result`
 * (declare it in the prelude) so that V8 cannot drop work whose value is unused.
 */
export function compileLoop(count: number, body: string, bindings: Record<string, unknown> = {}, prelude = 'let result = 0;'): () => unknown {
  const names = Object.keys(bindings)
  const source = `'use strict'; // loop ${++loopsCompiled}
${prelude}
return function loop() {
  for (let i = 0; i < ${count}; i++) {
    ${body}
  }
  return result;
};`
  // Benchmark code built from constants in bench/.
  const factory = new Function(...names, source) as (...values: unknown[]) => () => unknown
  return factory(...names.map((name) => bindings[name]))
}

/** The call every scenario benchmarks: the four fields of the Priming event, varying per call. */
export const PRIMING_CALL_ARGS = '1, 0.75, i, i + 1'

export type Cell = string | number | null

export interface ResultTable {
  title: string
  columns: string[]
  rows: Cell[][]
}

export type TargetStatus = 'PASS' | 'FAIL' | 'NOT RUN'

export interface TargetResult {
  target: string
  backend: BackendName | 'all'
  /** The measured value, with its unit or ratio, as displayed. */
  measured: string
  status: TargetStatus
}

export interface ScenarioResult {
  scenario: string
  title: string
  /** How the scenario measures, in one paragraph of Markdown. */
  method: string
  backends: BackendProbe[]
  tables: ResultTable[]
  targets: TargetResult[]
  notes: string[]
  /** Raw figures for anyone post-processing the JSON. */
  raw: unknown
}

/** Prints the scenario's single JSON line (bench/run.js takes the last line of stdout that parses). */
export function emitResult(result: ScenarioResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

/** A target row for a backend that did not load. */
export function notRun(target: string, probe: BackendProbe): TargetResult {
  return { target, backend: probe.name, measured: `not run: ${probe.reason ?? 'unavailable'}`, status: 'NOT RUN' }
}

export function check(target: string, backend: BackendName | 'all', measured: string, pass: boolean): TargetResult {
  return { target, backend, measured, status: pass ? 'PASS' : 'FAIL' }
}

/** A task's median cost per call, in ns, when each iteration makes `calls` calls; null if it did not complete. */
export function medianNsPerCall(task: Task | undefined, calls: number): number | null {
  const result = task?.result
  if (result === undefined || (result.state !== 'completed' && result.state !== 'aborted-with-statistics')) return null
  return (result.latency.p50 * 1e6) / calls
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

export const MiB = 1 << 20

/** The median of `values`, or null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * The order of round `round` of an interleaved comparison: `items` rotated by the round number and
 * reversed every other round, so that each item runs early and late, before and after each other.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const shift = items.length === 0 ? 0 : round % items.length
  const rotated = [...items.slice(shift), ...items.slice(0, shift)]
  return round % 2 === 0 ? rotated : rotated.reverse()
}

/** `min..max` of a figure's round values, to one decimal: its spread on this machine. */
export function spreadText(values: readonly number[], digits = 1): string {
  return values.length === 0 ? 'n/a' : `${round(Math.min(...values), digits)}..${round(Math.max(...values), digits)}`
}

/** One part of a scenario that measures several things: merged into its ScenarioResult. */
export interface ScenarioPart {
  /** How this part measures: a few sentences of the scenario's method. */
  method: string
  tables: ResultTable[]
  targets: TargetResult[]
  notes: string[]
  raw: unknown
}

/** A task of a rounds-based scenario: one iteration makes `calls` calls; each round adds its median. */
export interface RoundCase {
  name: string
  iteration: () => unknown
  afterEach?: () => void
  /** The median ns per call of each round. */
  medians: number[]
}

/**
 * Runs `cases` in `rounds` short tinybench rounds, each in another order (roundOrder), so that
 * a noisy machine's drift falls on every task alike; each round's median ns per call is added to
 * its case.
 */
export function runRounds(cases: RoundCase[], options: { label: string; calls: number; rounds: number; timeMs: number; warmupMs: number }): void {
  for (let r = 0; r < options.rounds; r++) {
    const order = roundOrder(cases, r)
    const bench = new Bench({ name: `${options.label} round ${r + 1}`, time: options.timeMs, warmupTime: options.warmupMs })
    // Without `async: false` tinybench calls each task once at add() to detect a promise.
    for (const c of order) bench.add(c.name, c.iteration, { async: false, afterEach: c.afterEach })
    bench.runSync()
    for (const c of order) {
      const ns = medianNsPerCall(bench.getTask(c.name) as Task | undefined, options.calls)
      if (ns !== null) c.medians.push(ns)
    }
  }
}
