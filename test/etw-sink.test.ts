// The collector's ETW sink in capture mode, end to end: a tracer with `etw: { capture }` writes
// each event as EventWriteTransfer would receive it; the capture reader decodes it with the
// TraceLogging rules alone, and it must match what the .rtrc file holds, event for event.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { readCapture, type CaptureEvent, type CaptureFile } from '../src/etw/capture-reader.js'
import type { NativeBinding } from '../binding.js'
import { loadNative } from '../src/binding.js'
import { providerGuid, providerGuidText, providerTraits } from '../src/etw/provider-guid.js'
import { EVENT_GATE_OFFSET, GATE_ALWAYS, GATE_OFF, MAX_EVENTS } from '../src/format/ring-layout.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { t } from '../src/schema/field-type-tokens.js'
import { createTracer, type TracerStats } from '../src/tracer.js'
import { ALL_TYPES, ALL_TYPES_ROWS } from './helpers/all-field-types.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const PROVIDER = 'Ringtrace.Test.EtwSink'
const ZERO_GUID = '00000000-0000-0000-0000-000000000000'
/** A plain Uint8Array (not a Buffer), so binary fields compare equal to the reader's. */
function readCaptureFile(path: string): CaptureFile {
  return readCapture(new Uint8Array(readFileSync(path)))
}

function capturePath(name: string): string {
  return tracePath(name).replace(/\.rtrc$/, '.etwcap')
}

/** What the ETW sink must make of a trace file event (docs/etw.md, "Events"). */
function asEtw(event: TraceEvent): Partial<CaptureEvent> {
  const { name, level, keyword, opcode } = event
  const isSpan = (opcode === 1 || opcode === 2) && 'activityId' in event.fields
  if (!isSpan) return { name, level, keyword, opcode, activityId: null, relatedActivityId: null, fields: event.fields }
  const { activityId, parentId, ...payload } = event.fields
  const related = opcode === 1 && parentId !== ZERO_GUID ? parentId as string : null
  return { name, level, keyword, opcode, activityId: activityId as string, relatedActivityId: related, fields: payload }
}

function pick(event: CaptureEvent): Partial<CaptureEvent> {
  const { name, level, keyword, opcode, activityId, relatedActivityId, fields } = event
  return { name, level, keyword, opcode, activityId, relatedActivityId, fields }
}

function runWorker(workerData: { provider: string; file: string; capture: string; events: number }): Promise<{ stats: TracerStats }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'fixtures', 'etw-worker.js'), { workerData })
    worker.once('message', resolve)
    worker.once('error', reject)
  })
}

describe('Tracer with etw.capture (native backend)', () => {
  it('captures every event and span as the trace file has it, with activity ids on span events', async () => {
    const file = tracePath('etw-sink-types')
    const capture = capturePath('etw-sink-types')
    const tracer = createTracer({ provider: PROVIDER, backend: 'native', file, etw: { capture } })
    const trace = tracer.event('AllTypes', ALL_TYPES, { level: 2, keyword: 0x8000_0000_0000_0001n })
    for (const row of ALL_TYPES_ROWS) trace(...row)
    const typed = tracer.defineSpan('AllTypesSpan', ALL_TYPES)
    for (const row of ALL_TYPES_ROWS) typed.run(() => {}, ...row)
    tracer.span('Outer', () => {
      tracer.span('Inner', () => {}, { size: 7, label: 'x' })
    })
    expect(() => tracer.span('Failing', () => { throw new TypeError('bad input') })).toThrow(TypeError)
    const tick = tracer.event('Tick', [['i', t.u32]])
    for (let i = 0; i < 5000; i++) tick(i)
    await tracer.close()

    const ring = await readEvents(file)
    const etw = readCaptureFile(capture)
    expect(etw.provider).toBe(PROVIDER)
    expect(etw.guid).toBe(providerGuidText(PROVIDER))
    expect(etw.drops).toEqual([])
    expect(ring).toHaveLength(2 + 2 * 2 + 3 * 2 + 5000)
    expect(etw.events.map(pick)).toEqual(ring.map(asEtw))
    // A typed span's attributes of every type reach ETW as the event's fields do.
    const { activityId: _a, parentId: _p, traceId: _t, ...attributes } = etw.events.find((e) => e.name === 'AllTypesSpan' && e.opcode === 1)!.fields
    expect(attributes).toEqual(etw.events.find((e) => e.name === 'AllTypes')!.fields)
    const innerStart = etw.events.find((e) => e.name === 'Inner' && e.opcode === 1)!
    const outerStart = etw.events.find((e) => e.name === 'Outer' && e.opcode === 1)!
    expect(innerStart.relatedActivityId).toBe(outerStart.activityId)
    expect(outerStart.relatedActivityId).toBeNull()
    expect(innerStart.activityId).toMatch(/^[0-9a-f-]{36}$/)
    expect(tracer.stats().etwDropped).toBe(0)
  })

  it('collects a worker thread\'s events into the same capture file', async () => {
    const file = tracePath('etw-sink-worker')
    const capture = capturePath('etw-sink-worker')
    const tracer = createTracer({ provider: PROVIDER, backend: 'native', file, etw: { capture } })
    const main = tracer.event('MainTick', [['i', t.u32]])
    for (let i = 0; i < 100; i++) main(i)
    const report = await runWorker({ provider: PROVIDER, file, capture, events: 2000 })
    for (let i = 100; i < 200; i++) main(i)
    await tracer.close()

    expect(report.stats.etwDropped).toBe(0)
    const ring = await readEvents(file)
    const etw = readCaptureFile(capture).events
    for (const name of ['MainTick', 'WorkerTick']) {
      const expected = ring.filter((e) => e.name === name)
      expect(expected).toHaveLength(name === 'MainTick' ? 200 : 2000)
      expect(etw.filter((e) => e.name === name).map(pick)).toEqual(expected.map(asEtw))
    }
    expect(etw).toHaveLength(2200)
  })

  it('drops and counts an event over 64 KiB for ETW while the trace file keeps it', async () => {
    const file = tracePath('etw-sink-big')
    const capture = capturePath('etw-sink-big')
    const tracer = createTracer({ provider: PROVIDER, backend: 'native', file, etw: { capture }, ringBytes: 1 << 20, maxStringBytes: 65535 })
    const big = tracer.event('Big', [['s', t.str]])
    // 65500 bytes fit a ring record; with the traits, the metadata and the u16 count they are
    // over ETW's 65536.
    const text = 'x'.repeat(65500)
    big('small')
    big(text)
    big('after')
    await tracer.close()

    const ring = await readEvents(file)
    expect(ring.map((e) => e.fields.s)).toEqual(['small', text, 'after'])
    const etw = readCaptureFile(capture)
    expect(etw.events.map((e) => e.fields.s)).toEqual(['small', 'after'])
    expect(etw.drops).toEqual([{ reason: 'oversize', count: 1 }])
    expect(tracer.stats()).toMatchObject({ delivered: 3, lost: 0, etwDropped: 1 })
  })

  it('makes the capture file current on flush() and complete on close(), without a trace file', async () => {
    const capture = capturePath('etw-sink-only')
    const tracer = createTracer({ provider: PROVIDER, backend: 'native', etw: { capture } })
    const trace = tracer.event('Only', [['i', t.u32]])
    for (let i = 0; i < 10; i++) trace(i)
    tracer.flush()
    expect(readCaptureFile(capture).events).toHaveLength(10)
    for (let i = 10; i < 20; i++) trace(i)
    await tracer.close()
    expect(readCaptureFile(capture).events.map((e) => e.fields.i)).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  it('refuses a second capture file for a provider whose sink is open', async () => {
    const tracer = createTracer({ provider: PROVIDER, backend: 'native', etw: { capture: capturePath('etw-sink-a') } })
    expect(() => createTracer({ provider: PROVIDER, backend: 'native', etw: { capture: capturePath('etw-sink-b') } }))
      .toThrow(/already open with capture file/)
    await tracer.close()
  })

  it.skipIf(process.platform === 'win32')('refuses live ETW (no capture file, or forceWrites) where ETW does not exist', () => {
    for (const etw of [{}, { forceWrites: true }, { forceWrites: true, capture: capturePath('etw-sink-forced') }]) {
      expect(() => createTracer({ provider: 'Ringtrace.Test.Live', backend: 'native', etw }))
        .toThrow(expect.objectContaining({ name: 'TracerError', code: 'ETW_UNSUPPORTED', message: expect.stringMatching(/only on Windows.*capture/) }))
    }
  })

  it('counts no ETW write errors for a capture file', async () => {
    const tracer = createTracer({ provider: PROVIDER, backend: 'native', etw: { capture: capturePath('etw-sink-errors') } })
    tracer.event('E', [['i', t.u32]])(1)
    await tracer.close()
    expect(tracer.stats()).toMatchObject({ delivered: 1, etwDropped: 0, etwWriteErrors: 0 })
  })
})

describe('binding.setEventGate()', () => {
  type GateBinding = NativeBinding & Required<Pick<NativeBinding, 'setEventGate' | 'openEtwSink' | 'attachEtwSink'>>
  function native(): GateBinding {
    const loaded = loadNative()
    if (loaded.binding?.setEventGate === undefined) throw loaded.error ?? new Error('the addon has no setEventGate')
    return loaded.binding as GateBinding
  }

  it('writes the configuration gate as given when the ETW sink takes every event (capture)', () => {
    const binding = native()
    const ring = binding.createRing(4096, false)
    binding.attachRing(ring.id, 0, binding.monotonicNs(), new Uint8Array(0))
    const provider = 'Ringtrace.Test.Gates'
    binding.attachEtwSink(ring.id, binding.openEtwSink(provider, providerGuid(provider), providerTraits(provider), capturePath('etw-gates'), false))
    const gates = new Uint32Array(ring.buffer, EVENT_GATE_OFFSET, MAX_EVENTS)
    for (const gate of [GATE_ALWAYS, 0x80000000, GATE_OFF, 1]) {
      binding.setEventGate(ring.id, 5, gate)
      expect(gates[5]).toBe(gate)
    }
    expect(gates[4]).toBe(GATE_OFF)
    expect(() => binding.setEventGate(ring.id, 0, 1)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }))
    expect(() => binding.setEventGate(ring.id, MAX_EVENTS, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(() => binding.setEventGate(ring.id, 1, 2 ** 32)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(() => binding.setEventGate(ring.id, 1, '1' as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
    binding.closeRing(ring.id)
    expect(() => binding.setEventGate(ring.id, 5, GATE_ALWAYS)).toThrow(expect.objectContaining({ code: 'ERR_RINGTRACE_STATE' }))
  })

  it('needs forceWrites to match when a provider sink is joined', () => {
    const binding = native()
    const provider = 'Ringtrace.Test.GatesJoin'
    const ring = binding.createRing(4096, false)
    binding.attachRing(ring.id, 0, binding.monotonicNs(), new Uint8Array(0))
    const capture = capturePath('etw-gates-join')
    binding.attachEtwSink(ring.id, binding.openEtwSink(provider, providerGuid(provider), providerTraits(provider), capture, false))
    expect(() => binding.openEtwSink(provider, providerGuid(provider), providerTraits(provider), capture, true))
      .toThrow(expect.objectContaining({ code: 'ERR_RINGTRACE_STATE', message: expect.stringMatching(/without forceWrites/) }))
    binding.closeRing(ring.id)
  })
})

describe('createTracer({ etw })', () => {
  it('needs the native addon: the TS backend has no TraceLogging encoder', () => {
    expect(() => createTracer({ provider: PROVIDER, backend: 'js', etw: { capture: capturePath('etw-js') } }))
      .toThrow(expect.objectContaining({ name: 'TracerError', code: 'NATIVE_UNAVAILABLE', message: expect.stringMatching(/native addon/) }))
  })

  it('validates the option', () => {
    for (const etw of [null, 'x', { capture: 1 }, { capture: '' }, { forceWrites: 1 }]) {
      expect(() => createTracer({ provider: PROVIDER, backend: 'native', etw: etw as never }))
        .toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    }
  })
})
