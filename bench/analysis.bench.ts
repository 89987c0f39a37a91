// Span analysis at scale: 1 million spans analysed (trees, statistics, critical paths,
// bottlenecks, concurrency) within 5 s and 1 GiB. Two cases, each in a fresh child process (this
// file re-run with `--case <name>`) so that peak RSS is the case's own:
//   memory: decoded span items generated on the fly and fed to analyzeSpans, as a caller with
//           items in hand would (the generator's own cost is measured apart and included);
//   file:   a real .rtrc file of 1 M spans written with tracer.span(), then read and analysed
//           with analyzeTraceFile (the reader's decoding included).

import { execFileSync } from 'node:child_process'
import { statSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { analyzeSpans, analyzeTraceFile, type AnalysisItem, type TraceAnalysis } from '../src/analysis/index.js'
import { createTracer } from '../src/index.js'
import type { TraceThread } from '../src/reader/trace-items.js'
import { check, emitResult, MiB, probeBackends, round, type Cell, type TargetResult } from './bench-harness.js'

const SPANS = 1_000_000
/** Each tree: a root, 3 children, each with 2 grandchildren: 10 spans, 3 levels. */
const TREE_SPANS = 10
const TARGET_SECONDS = 5
const TARGET_BYTES = 1024 * MiB
const OPERATIONS = ['request', 'auth', 'query', 'cache', 'render', 'serialize', 'log']
const ZERO = '00000000-0000-0000-0000-000000000000'
const THREADS: TraceThread[] = [0, 1, 2, 3].map((id) => ({ id, name: id === 0 ? 'main' : `worker-${id}`, isMainThread: id === 0 }))
const BASE_NS = 1_700_000_000_000_000_000n

type CaseName = 'memory' | 'file'

interface CaseResult {
  case: CaseName
  spans: number
  /** Analysis wall time, s (for 'file': reading included). */
  seconds: number
  /** Generating the items alone (memory) or writing the file (file), s. */
  setupSeconds: number
  peakRssBytes: number
  rssBeforeBytes: number
  fileBytes: number | null
  roots: number
  operations: number
  maxOpen: number
  problems: number
}

function id(n: number): string {
  return `${(n >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-${(Math.floor(n / 2 ** 32)).toString(16).padStart(12, '0')}`
}

function item(name: string, opcode: number, ns: number, thread: TraceThread, fields: Record<string, string | number>): AnalysisItem {
  return { kind: 'event', name, timestampNs: BASE_NS + BigInt(ns), opcode, thread, fields }
}

/**
 * Trees of TREE_SPANS spans, a new tree every 2 µs lasting about 16 µs (8 trees open at once),
 * each tree on one of four threads; one span in 50 fails. Items come tree by tree, in time order
 * within a tree, as one thread's stream would hold them.
 */
function* spanItems(count: number): Generator<AnalysisItem> {
  for (let tree = 0; tree * TREE_SPANS < count; tree++) {
    const base = tree * TREE_SPANS
    const t0 = tree * 2000
    const thread = THREADS[tree % THREADS.length]
    const rootId = id(base + 1)
    yield item('request', 1, t0, thread, { activityId: rootId, parentId: ZERO, traceId: rootId, route: '/users', size: tree })
    let n = base + 1
    for (let c = 0; c < 3; c++) {
      const childId = id(++n)
      const c0 = t0 + 100 + c * 5000
      yield item(OPERATIONS[1 + c], 1, c0, thread, { activityId: childId, parentId: rootId, traceId: rootId })
      for (let g = 0; g < 2; g++) {
        const grandId = id(++n)
        const g0 = c0 + 100 + g * 2000
        yield item(OPERATIONS[4 + ((c + g) % 3)], 1, g0, thread, { activityId: grandId, parentId: childId, traceId: rootId })
        const failed = n % 50 === 0
        yield item(OPERATIONS[4 + ((c + g) % 3)], 2, g0 + 1500 + (n % 7) * 50, thread,
          { activityId: grandId, status: failed ? 2 : 1, errorType: failed ? 'Timeout' : '', errorMessage: '' })
      }
      yield item(OPERATIONS[1 + c], 2, c0 + 4600, thread, { activityId: childId, status: 1, errorType: '', errorMessage: '' })
    }
    yield item('request', 2, t0 + 16_000, thread, { activityId: rootId, status: 1, errorType: '', errorMessage: '' })
  }
}

function problemCount(a: TraceAnalysis): number {
  return Object.values(a.problems).reduce((sum, list: unknown[]) => sum + list.length, 0)
}

function summary(name: CaseName, analysis: TraceAnalysis, seconds: number, setupSeconds: number, rssBefore: number, fileBytes: number | null): CaseResult {
  return {
    case: name,
    spans: analysis.spans.length,
    seconds,
    setupSeconds,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBeforeBytes: rssBefore,
    fileBytes,
    roots: analysis.roots.length,
    operations: analysis.operations.length,
    maxOpen: analysis.concurrency.maxOpen,
    problems: problemCount(analysis),
  }
}

async function runMemoryCase(): Promise<CaseResult> {
  let t = performance.now()
  let generated = 0
  for (const _ of spanItems(SPANS)) generated++
  const setupSeconds = (performance.now() - t) / 1000
  if (generated !== 2 * SPANS) throw new Error(`generated ${generated} items`)
  const rssBefore = process.memoryUsage().rss
  t = performance.now()
  const analysis = await analyzeSpans(spanItems(SPANS))
  return summary('memory', analysis, (performance.now() - t) / 1000, setupSeconds, rssBefore, null)
}

/** The same tree shape through the tracer's span API, flushed every 1000 trees so none is lost. */
async function runFileCase(): Promise<CaseResult> {
  const file = join(tmpdir(), `ringtrace-analysis-bench-${process.pid}.rtrc`)
  try {
    let t = performance.now()
    const tracer = createTracer({ provider: 'Ringtrace.Bench.Analysis', ringBytes: 16 * MiB, file, flushOnExit: false })
    const work = (): void => undefined
    for (let tree = 0; tree * TREE_SPANS < SPANS; tree++) {
      tracer.span('request', () => {
        for (let c = 0; c < 3; c++) {
          tracer.span(OPERATIONS[1 + c], () => {
            for (let g = 0; g < 2; g++) tracer.span(OPERATIONS[4 + ((c + g) % 3)], work)
          })
        }
      }, { route: '/users', size: tree })
      if (tree % 1000 === 999) tracer.flush()
    }
    const stats = tracer.stats()
    await tracer.close()
    if (stats.lost !== 0) throw new Error(`the tracer lost ${stats.lost} events`)
    const setupSeconds = (performance.now() - t) / 1000
    const rssBefore = process.memoryUsage().rss
    t = performance.now()
    const { analysis, damage } = await analyzeTraceFile(file)
    if (damage !== undefined) throw damage
    return summary('file', analysis, (performance.now() - t) / 1000, setupSeconds, rssBefore, statSync(file).size)
  } finally {
    try { unlinkSync(file) } catch { /* not created */ }
  }
}

function runCase(name: CaseName): CaseResult | string {
  try {
    const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--case', name], { encoding: 'utf8', maxBuffer: 16 << 20 })
    return JSON.parse(out.trim().split('\n').pop()!) as CaseResult
  } catch (error) {
    return `failed: ${String((error as Error).message).split('\n')[0]}`
  }
}

async function main(): Promise<void> {
  const caseArg = process.argv.indexOf('--case')
  if (caseArg !== -1) {
    const name = process.argv[caseArg + 1] as CaseName
    const result = name === 'memory' ? await runMemoryCase() : await runFileCase()
    process.stdout.write(`${JSON.stringify(result)}\n`)
    return
  }
  const cases: [CaseName, string][] = [
    ['memory', 'decoded items in memory'],
    ['file', '.rtrc file written by tracer.span(), read and analysed'],
  ]
  const rows: Cell[][] = []
  const targets: TargetResult[] = []
  const raw: Record<string, CaseResult | string> = {}
  for (const [name, label] of cases) {
    const r = runCase(name)
    raw[name] = r
    const target = `analysis of 1 M spans ≤ ${TARGET_SECONDS} s and ≤ 1 GiB (${label})`
    if (typeof r === 'string') {
      targets.push({ target, backend: 'all', measured: r, status: 'FAIL' })
      continue
    }
    rows.push([label, r.spans, round(r.setupSeconds, 2), round(r.seconds, 2), round(r.peakRssBytes / MiB, 0),
      round(r.rssBeforeBytes / MiB, 0), r.fileBytes === null ? null : round(r.fileBytes / MiB, 0), r.roots, r.maxOpen, r.problems])
    targets.push(check(target, 'all', `${round(r.seconds, 2)} s, peak RSS ${round(r.peakRssBytes / MiB, 0)} MiB`,
      r.spans === SPANS && r.seconds <= TARGET_SECONDS && r.peakRssBytes <= TARGET_BYTES))
  }
  emitResult({
    scenario: 'analysis',
    title: 'Span analysis of 1 M spans',
    method: `${SPANS.toLocaleString('en-US')} spans in trees of ${TREE_SPANS} (a root, 3 children, 2 grandchildren each; 7 operation names, 4 threads, 8 trees open at once, 2 % failing) go through the whole analysis: pairing, trees, self times, per-operation statistics with exact percentiles, critical paths, bottlenecks and the concurrency profile. Each case runs in a fresh \`node --expose-gc\` process; peak RSS is that process's \`resourceUsage().maxRSS\`, which includes the setup (generating items, or writing the file with the tracer). Setup time is shown apart and not counted in the analysis time.`,
    backends: probeBackends(),
    tables: [{
      title: 'Analysis time and memory',
      columns: ['input', 'spans', 'setup s', 'analysis s', 'peak RSS MiB', 'RSS before MiB', 'file MiB', 'roots', 'max open', 'problems'],
      rows,
    }],
    targets,
    notes: ['In the memory case the items are generated lazily while the analysis runs, so the analysis time includes generating them (measured apart as setup).'],
    raw,
  })
}

void main()
