// The Chrome export is checked with ajv against a JSON schema written here from the public
// Trace Event Format document (no validator package for the format exists on npm, and
// Perfetto's trace_processor downloads a binary), then event by event.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Ajv from 'ajv'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/run.js'
import { ChromeTraceEncoder } from '../src/exporters/index.js'
import { WALL_NS } from './fixtures/trace-builder.js'
import { MAIN, SpanScript, WORKER, requestScript, spanId, startEvent, stopEvent, writeSpanTrace } from './fixtures/span-traces.js'

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-chrome-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const id = { type: 'integer', minimum: 0 }
const time = { type: 'number' }
const args = { type: 'object' }
const common = { name: { type: 'string' }, cat: { type: 'string' }, pid: id, tid: id, args }
const TRACE_EVENT_FORMAT = {
  type: 'object',
  required: ['traceEvents'],
  properties: {
    displayTimeUnit: { enum: ['ms', 'ns'] },
    otherData: { type: 'object' },
    traceEvents: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ph'],
        properties: { ph: { type: 'string', minLength: 1, maxLength: 1 } },
        allOf: [
          { if: { properties: { ph: { const: 'X' } } },
            then: { required: ['name', 'ts', 'dur', 'pid', 'tid'], properties: { ...common, ts: time, dur: { type: 'number', minimum: 0 } } } },
          { if: { properties: { ph: { enum: ['B', 'E'] } } },
            then: { required: ['ts', 'pid', 'tid'], properties: { ...common, ts: time } } },
          { if: { properties: { ph: { enum: ['i', 'I'] } } },
            then: { required: ['name', 'ts', 'pid'], properties: { ...common, ts: time, s: { enum: ['g', 'p', 't'] } } } },
          { if: { properties: { ph: { const: 'M' } } },
            then: {
              required: ['name', 'pid', 'args'],
              properties: {
                ...common,
                name: { enum: ['process_name', 'process_labels', 'process_sort_index', 'thread_name', 'thread_sort_index'] },
                args: { type: 'object' },
              },
            } },
          { properties: { ph: { enum: ['X', 'B', 'E', 'i', 'I', 'M'] } } },
        ],
      },
    },
  },
}
const validate = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false }).compile(TRACE_EVENT_FORMAT)

interface ChromeEvent {
  name: string
  cat?: string
  ph: string
  ts?: number
  dur?: number
  pid: number
  tid?: number
  s?: string
  args: Record<string, unknown>
}

interface ChromeTrace {
  traceEvents: ChromeEvent[]
  displayTimeUnit: string
  otherData: Record<string, unknown>
}

function parseValid(text: string): ChromeTrace {
  const json: unknown = JSON.parse(text)
  if (!validate(json)) throw new Error(`not Trace Event Format: ${JSON.stringify(validate.errors, null, 2)}`)
  return json as unknown as ChromeTrace
}

class Capture extends Writable {
  text = ''
  writes = 0
  constructor() {
    super({ decodeStrings: false, highWaterMark: 1024 })
  }
  override _write(chunk: string | Buffer, _encoding: string, done: () => void): void {
    this.text += String(chunk)
    this.writes++
    done()
  }
}

async function exportChrome(path: string): Promise<{ code: number; out: string; err: string; writes: number }> {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await runCli(['export', path, '--format', 'chrome'], { stdout, stderr })
  return { code, out: stdout.text, err: stderr.text, writes: stdout.writes }
}

describe('ringtrace export --format chrome', () => {
  it('writes spans as complete events with ids, attributes and status in args', async () => {
    const path = writeSpanTrace(dir, 'request.rtrc', requestScript().items())
    const { code, out, err } = await exportChrome(path)
    expect(err).toBe('')
    expect(code).toBe(0)
    const trace = parseValid(out)
    expect(trace.displayTimeUnit).toBe('ns')
    expect(trace.otherData.originNs).toBe(String(WALL_NS))
    const spans = trace.traceEvents.filter((e) => e.ph === 'X')
    expect(spans.map((e) => e.name).sort()).toEqual(['auth', 'cache', 'query', 'render', 'request'])
    const request = spans.find((e) => e.name === 'request')!
    expect(request).toMatchObject({ cat: 'span', ts: 0, dur: 1000, pid: 4242, tid: MAIN.id })
    expect(request.args).toEqual({
      route: '/users', port: 8080, activityId: spanId(1), parentId: '00000000-0000-0000-0000-000000000000',
      traceId: '0af76519-16cd-43dd-8448-eb211c80319c', status: 'ok',
    })
    expect(spans.find((e) => e.name === 'query')).toMatchObject({ ts: 120, dur: 580, tid: WORKER.id })
    expect(spans.find((e) => e.name === 'render')!.args).toMatchObject({ status: 'error', errorType: 'TypeError', errorMessage: 'x is undefined' })
  })

  it('writes plain events as thread instants and names the process and threads', async () => {
    const path = writeSpanTrace(dir, 'names.rtrc', requestScript().items())
    const trace = parseValid((await exportChrome(path)).out)
    expect(trace.traceEvents.find((e) => e.name === 'log')).toMatchObject({ ph: 'i', s: 't', ts: 500, tid: MAIN.id, args: { message: 'halfway' } })
    const meta = trace.traceEvents.filter((e) => e.ph === 'M')
    expect(meta).toContainEqual({ name: 'process_name', ph: 'M', pid: 4242, tid: 0, args: { name: 'span-test' } })
    expect(meta).toContainEqual({ name: 'thread_name', ph: 'M', pid: 4242, tid: MAIN.id, args: { name: 'main' } })
    expect(meta).toContainEqual({ name: 'thread_name', ph: 'M', pid: 4242, tid: WORKER.id, args: { name: 'worker-1' } })
    // Each thread is named once, before its first event.
    const first = trace.traceEvents.findIndex((e) => e.tid === WORKER.id)
    expect(trace.traceEvents[first].name).toBe('thread_name')
    expect(meta.filter((e) => e.tid === WORKER.id)).toHaveLength(1)
  })

  it('keeps nanoseconds as fractions of a microsecond', async () => {
    const items = new SpanScript().span('tiny', spanId(1), 1234, 5678).items()
    const trace = parseValid((await exportChrome(writeSpanTrace(dir, 'ns.rtrc', items))).out)
    expect(trace.traceEvents.find((e) => e.ph === 'X')).toMatchObject({ ts: 1.234, dur: 4.444 })
  })

  it('writes a span without a Stop as a begin event and a Stop without a Start as an instant', async () => {
    const items = new SpanScript()
      .span('ok', spanId(1), 0, 100_000)
      .start('hung', spanId(2), 10_000, { parent: spanId(1) })
      .stop('ghost', spanId(3), 20_000, { status: 2, errorType: 'Error', errorMessage: 'gone' })
      .items()
    const { code, out } = await exportChrome(writeSpanTrace(dir, 'bad.rtrc', items))
    expect(code).toBe(0)
    const trace = parseValid(out)
    expect(trace.traceEvents.find((e) => e.name === 'hung')).toMatchObject({ ph: 'B', ts: 10, args: { unterminated: true, activityId: spanId(2) } })
    expect(trace.traceEvents.filter((e) => e.ph === 'E')).toEqual([])
    expect(trace.traceEvents.find((e) => e.name === 'ghost')).toMatchObject({
      ph: 'i', cat: 'span.orphanStop', ts: 20, args: { activityId: spanId(3), status: 'error', errorMessage: 'gone' },
    })
  })

  it('streams a large trace out in many writes', async () => {
    const script = new SpanScript()
    for (let i = 0; i < 5000; i++) script.span('op', spanId(i + 1), i * 1000, i * 1000 + 500, { attributes: { i } })
    const { out, writes } = await exportChrome(writeSpanTrace(dir, 'large.rtrc', script.items()))
    expect(parseValid(out).traceEvents.filter((e) => e.ph === 'X')).toHaveLength(5000)
    expect(writes).toBeGreaterThan(5)
  })

  it('writes valid JSON up to the damage of a truncated file and exits 1', async () => {
    const path = writeSpanTrace(dir, 'cut.rtrc', requestScript().items())
    const bytes = readFileSync(path)
    const cut = join(dir, 'cut-short.rtrc')
    writeFileSync(cut, bytes.subarray(0, bytes.length - 3))
    const { code, out, err } = await exportChrome(cut)
    expect(code).toBe(1)
    expect(err).not.toBe('')
    expect(parseValid(out).traceEvents.length).toBeGreaterThan(1)
  })
})

describe('the Trace Event Format schema of this test', () => {
  it('rejects a complete event without dur, a bad instant scope and an unknown phase', () => {
    expect(validate({ traceEvents: [{ name: 'a', ph: 'X', ts: 1, pid: 1, tid: 1 }] })).toBe(false)
    expect(validate({ traceEvents: [{ name: 'a', ph: 'i', s: 'x', ts: 1, pid: 1, tid: 1 }] })).toBe(false)
    expect(validate({ traceEvents: [{ name: 'a', ph: 'Q', ts: 1, pid: 1 }] })).toBe(false)
    expect(validate({ traceEvents: [{ name: 'a', ph: 'X', ts: 1, dur: 0.5, pid: 1, tid: 1 }] })).toBe(true)
  })
})

describe('ChromeTraceEncoder', () => {
  it('pairs a Stop read before its Start and marks a span stopped on another thread', () => {
    const encoder = new ChromeTraceEncoder({ pid: 7, name: 'p', originNs: WALL_NS })
    encoder.add(stopEvent('handoff', 3000, spanId(1), { thread: WORKER }))
    encoder.add(startEvent('handoff', 1000, spanId(1)))
    const trace = parseValid(encoder.take() + encoder.finish())
    expect(trace.traceEvents.find((e) => e.ph === 'X')).toMatchObject({ ts: 1, dur: 2, tid: MAIN.id, args: { stopThread: WORKER.id } })
  })

  it('reports losses as instants', () => {
    const encoder = new ChromeTraceEncoder({ pid: 7, name: 'p', originNs: WALL_NS })
    encoder.add({ kind: 'lost', count: 3, timestampNs: WALL_NS + 2000n, thread: MAIN })
    const trace = parseValid(encoder.finish())
    expect(trace.traceEvents.find((e) => e.cat === 'ringtrace.lost')).toMatchObject({ ph: 'i', s: 't', ts: 2, args: { count: 3 } })
  })
})
