// Spans at load: three threads each run hundreds of concurrent async request trees into one file;
// the analysis must find every tree whole, with nothing lost, unmatched or misparented.

import { describe, expect, it } from 'vitest'
import { analyzeTraceFile } from '../src/analysis/index.js'
import { BACKENDS } from './helpers/backends.js'
import { runLoad, runLoadInWorker } from './helpers/span-load.js'
import { tracePath } from './helpers/trace-files.js'

const TREES = 400
const SPANS_PER_TREE = 5

describe.each(BACKENDS)('spans under load (%s backend)', (backend) => {
  it('keeps every tree of three threads whole: 6,000 spans, 50 in flight per thread', async () => {
    const file = tracePath(`span-load-${backend}`)
    const plans = ['main', 'w1', 'w2'].map((tag) => ({ file, backend, trees: TREES, concurrency: 50, tag }))
    const stats = await Promise.all([runLoad(plans[0]!), runLoadInWorker(plans[1]!), runLoadInWorker(plans[2]!)])
    expect(stats.map((s) => s.lost)).toEqual([0, 0, 0])

    const { analysis, damage } = await analyzeTraceFile(file)
    expect(damage).toBeUndefined()
    expect(analysis.lostEvents).toBe(0)
    expect(Object.fromEntries(Object.entries(analysis.problems).map(([k, v]) => [k, v.length]))).toEqual({
      unterminated: 0, orphanStops: 0, duplicateStops: 0, duplicateStarts: 0,
      stopBeforeStart: 0, outsideParent: 0, missingParent: 0, parentCycles: 0,
    })
    expect(analysis.spans).toHaveLength(3 * TREES * SPANS_PER_TREE)
    expect(analysis.roots).toHaveLength(3 * TREES)
    const shapes = new Map<string, number>()
    for (const root of analysis.roots) {
      const shape = `${root.name}(${root.children.map((c) => `${c.name}(${c.children.map((g) => g.name).join()})`).sort().join()})`
      shapes.set(shape, (shapes.get(shape) ?? 0) + 1)
      // Every span of a tree is on the root's thread and in the root's trace.
      for (const child of root.children) {
        expect([child.thread, child.traceId]).toEqual([root.thread, root.traceId])
      }
    }
    expect([...shapes]).toEqual([['request(cache(),query(parse),render())', 3 * TREES]])
    const render = analysis.operations.find((op) => op.name === 'render')!
    expect(render.errors).toBe(3 * (TREES / 10))
    const tags = new Set(analysis.roots.map((r) => `${String(r.attributes.tag)}:${r.thread.isMainThread}`))
    expect([...tags].sort()).toEqual(['main:true', 'w1:false', 'w2:false'])
  })
})
