// The Chrome export read by an independent parser: the trace engine of Chrome DevTools' own
// Performance panel, as published on npm (@paulirish/trace_engine). Its thread tracks are built
// from our complete slices ('X', and 'B' for spans without a Stop); it ignores nestable async
// events, whose nesting chrome-export.test.ts checks on its own.

import * as DevTools from '@paulirish/trace_engine'
import { describe, expect, it } from 'vitest'
import { analyzeTraceFile } from '../src/analysis/index.js'
import { runCli } from '../src/cli/run.js'
import { Capture } from './helpers/capture.js'
import { runLoad, runLoadInWorker } from './helpers/span-load.js'
import { tracePath } from './helpers/trace-files.js'

interface ChromeEvent {
  name: string
  ph: string
  tid: number
  ts: number
  dur?: number
  args?: { activityId?: string; parentId?: string }
}

interface EngineNode {
  entry: { name: string; ph: string; tid: number; ts: number; dur?: number; args?: { activityId?: string } }
  parent: EngineNode | null
  children: EngineNode[]
}

/** The engine measures in µs as integers of its own clock; ours are µs with ns fractions. */
const TIME_TOLERANCE_US = 0.002

describe('the Chrome export, read by the Chrome DevTools trace engine', () => {
  it('builds the same span trees on each thread track as the export intends', async () => {
    const file = tracePath('devtools')
    const plan = { file, backend: 'native', trees: 60, concurrency: 4, tag: '' }
    await Promise.all([runLoad({ ...plan, tag: 'main' }), runLoadInWorker({ ...plan, tag: 'worker' })])
    const stdout = new Capture()
    const stderr = new Capture()
    expect(await runCli(['export', file, '--format', 'chrome'], { stdout, stderr })).toBe(0)
    const trace = JSON.parse(stdout.text) as { traceEvents: ChromeEvent[] }

    // The engine needs a DOMRect, which Node lacks; it reads nothing else of the DOM here.
    ;(globalThis as { DOMRect?: unknown }).DOMRect ??= class { constructor(readonly x = 0, readonly y = 0, readonly width = 0, readonly height = 0) {} }
    const model = DevTools.TraceModel.Model.createWithAllHandlers()
    await model.parse(trace.traceEvents as never)
    const renderer = model.parsedTrace()!.data.Renderer
    const nodes: EngineNode[] = []
    for (const process of renderer.processes.values()) {
      for (const thread of process.threads.values()) {
        const walk = (node: EngineNode) => { nodes.push(node); node.children.forEach(walk) }
        for (const root of thread.tree!.roots) walk(root as unknown as EngineNode)
      }
    }

    // Every thread slice of the export is in the engine's trees, once, with its time.
    const slices = trace.traceEvents.filter((e) => e.ph === 'X' || e.ph === 'B')
    expect(slices.length).toBeGreaterThan(50)
    const byId = new Map(nodes.map((n) => [n.entry.args?.activityId, n]))
    expect(nodes).toHaveLength(slices.length)
    for (const slice of slices) {
      const node = byId.get(slice.args!.activityId)!
      expect([node.entry.name, node.entry.tid]).toEqual([slice.name, slice.tid])
      expect(Math.abs(node.entry.ts - slice.ts), `ts of ${slice.name} (engine ${node.entry.ts}, export ${slice.ts})`).toBeLessThan(TIME_TOLERANCE_US)
      if (slice.ph === 'X') expect(Math.abs(node.entry.dur! - slice.dur!), `dur of ${slice.name} (engine ${node.entry.dur}, export ${slice.dur})`).toBeLessThan(TIME_TOLERANCE_US)
    }

    // Its nesting is the spans': a slice's parent on the track is its span's parent when that
    // parent is a slice of the same thread, and otherwise an ancestor of it or nothing.
    const { analysis } = await analyzeTraceFile(file)
    const spans = new Map(analysis.spans.map((s) => [s.id, s]))
    let direct = 0
    for (const node of nodes) {
      const span = spans.get(node.entry.args!.activityId!)!
      const parentSlice = span.parent === null ? undefined : byId.get(span.parent.id)
      if (parentSlice !== undefined && parentSlice.entry.tid === node.entry.tid) {
        expect(node.parent).toBe(parentSlice)
        direct++
        continue
      }
      if (node.parent === null) continue
      let ancestor = span.parent
      while (ancestor !== null && ancestor.id !== node.parent.entry.args!.activityId) ancestor = ancestor.parent
      expect(ancestor).not.toBeNull()
    }
    expect(direct).toBeGreaterThan(20)
  })
})
