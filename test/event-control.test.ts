import { describe, expect, it } from 'vitest'
import { createTracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { Level } from '../src/schema/levels.js'
import { ETW_MATCH_ALL_OFFSET, ETW_MATCH_ANY_OFFSET, ETW_SESSION_FOLLOWS, ETW_SESSION_OFFSET, ETW_SESSION_ON,
  RNG_STATE_OFFSET } from '../src/format/ring-layout.js'
import { BACKENDS } from './helpers/backends.js'
import { ringViewsOf } from './helpers/ring-views.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

describe.each(BACKENDS)('event control (%s backend)', (backend) => {
  it('records events up to the tracer level; LogAlways passes any level', async () => {
    const file = tracePath('levels')
    const tracer = createTracer({ provider: 'Test.Control', backend, file, level: Level.Warning })
    const always = tracer.event('Always', [['n', t.u32]], { level: Level.LogAlways })
    const error = tracer.event('Err', [['n', t.u32]], { level: Level.Error })
    const verbose = tracer.event('Chatty', [['n', t.u32]], { level: Level.Verbose })
    expect([always.enabled, error.enabled, verbose.enabled]).toEqual([true, true, false])
    always(1); error(2); verbose(3)
    tracer.setLevel(Level.Verbose)
    expect(verbose.enabled).toBe(true)
    verbose(4)
    tracer.setLevel(Level.LogAlways)
    expect([always.enabled, error.enabled, verbose.enabled]).toEqual([true, false, false])
    always(5); error(6); verbose(7)
    await tracer.close()
    expect((await readEvents(file)).map((e) => [e.name, e.fields.n, e.level])).toEqual([
      ['Always', 1, 0], ['Err', 2, 2], ['Chatty', 4, 5], ['Always', 5, 0],
    ])
  })

  it('filters by 64-bit keyword mask; keyword 0 always passes', async () => {
    const file = tracePath('keywords')
    const tracer = createTracer({ provider: 'Test.Control', backend, file, keywords: 0x1n })
    const none = tracer.event('NoKeyword', [])
    const low = tracer.event('Low', [], { keyword: 0x1n })
    const high = tracer.event('High', [], { keyword: 1n << 63n })
    none(); low(); high()
    tracer.setKeywords((1n << 63n) | 0x4n)
    none(); low(); high()
    await tracer.close()
    const events = await readEvents(file)
    expect(events.map((e) => e.name)).toEqual(['NoKeyword', 'Low', 'NoKeyword', 'High'])
    expect(events[3]!.keyword).toBe(1n << 63n)
  })

  it('answers isEnabled(level, keyword) by the rule of the event gates', async () => {
    const tracer = createTracer({ provider: 'Test.Control', backend, level: Level.Warning, keywords: 0x6n })
    expect(tracer.isEnabled(Level.Error, 0x2n)).toBe(true)
    expect(tracer.isEnabled(Level.Verbose, 0x2n)).toBe(false)
    expect(tracer.isEnabled(Level.LogAlways, 0x2n)).toBe(true)
    expect(tracer.isEnabled(Level.Error, 0x1n)).toBe(false)
    expect(tracer.isEnabled(Level.Error, 0n)).toBe(true)
    await tracer.close()
    expect(tracer.isEnabled(Level.Error, 0n)).toBe(false)
  })

  it('asks the ETW sessions in isEnabled() when the collector says the gates follow them', async () => {
    // The collector writes these words for a tracer that writes only to live ETW (Windows);
    // here they are set by hand to check the rule tracer.isEnabled() applies to them.
    const tracer = createTracer({ provider: 'Test.Control', backend })
    const { u32, i64 } = ringViewsOf(tracer)
    const session = (flags: number, level: number, any: bigint, all: bigint) => {
      u32[ETW_SESSION_OFFSET >> 2] = flags | (level << 8)
      i64[ETW_MATCH_ANY_OFFSET >> 3] = BigInt.asIntN(64, any)
      i64[ETW_MATCH_ALL_OFFSET >> 3] = BigInt.asIntN(64, all)
    }
    expect(tracer.isEnabled(Level.Info, 0x1n)).toBe(true)
    session(ETW_SESSION_FOLLOWS, 0, 0n, 0n)
    expect(tracer.isEnabled(Level.Info, 0n)).toBe(false)
    session(ETW_SESSION_FOLLOWS | ETW_SESSION_ON, 4, (1n << 63n) | 0x1n, 0n)
    expect(tracer.isEnabled(Level.Info, 0x1n)).toBe(true)
    expect(tracer.isEnabled(Level.Info, 1n << 63n)).toBe(true)
    expect(tracer.isEnabled(Level.Verbose, 0x1n)).toBe(false)
    expect(tracer.isEnabled(Level.Info, 0x2n)).toBe(false)
    expect(tracer.isEnabled(Level.Info, 0n)).toBe(true)
    session(ETW_SESSION_FOLLOWS | ETW_SESSION_ON, 0, 0x3n, 0x3n)
    expect(tracer.isEnabled(Level.Verbose, 0x3n)).toBe(true)
    expect(tracer.isEnabled(Level.Verbose, 0x1n)).toBe(false)
    session(0, 0, 0n, 0n)
    await tracer.close()
  })

  it('enables and disables single events at run time', async () => {
    const file = tracePath('toggle')
    const tracer = createTracer({ provider: 'Test.Control', backend, file })
    const trace = tracer.event('Toggled', [['n', t.u8]], { enabled: false })
    expect(trace.enabled).toBe(false)
    trace(1)
    trace.enable()
    trace(2)
    trace.disable()
    trace(3)
    trace.enable()
    trace(4)
    await tracer.close()
    expect(trace.enabled).toBe(false)
    trace(5)
    expect((await readEvents(file)).map((e) => e.fields.n)).toEqual([2, 4])
  })

  it('samples a fraction of calls before touching the arguments, as the ring\'s seeded state decides', async () => {
    // The sampling state word is seeded at random when the ring is made; set here, so the run
    // repeats. Each call's argument is its index, converted only if the call is sampled.
    const seed = 625_341_585
    const sampledCalls = async (): Promise<{ touched: number[]; recorded: number[] }> => {
      const file = tracePath('sampling')
      const tracer = createTracer({ provider: 'Test.Control', backend, file })
      ringViewsOf(tracer).u32[RNG_STATE_OFFSET >> 2] = seed
      const trace = tracer.event('Sampled', [['n', t.u32]], { sampleRate: 0.25 })
      const touched: number[] = []
      for (let i = 0; i < 40_000; i++) trace({ valueOf: () => { touched.push(i); return i } } as unknown as number)
      trace.setSampleRate(0)
      expect(trace.enabled).toBe(false)
      trace(1)
      await tracer.close()
      const recorded = (await readEvents(file)).map((e) => e.fields.n as number)
      expect(tracer.stats(), `seed ${seed}`).toMatchObject({ written: recorded.length, delivered: recorded.length, lost: 0 })
      return { touched, recorded }
    }
    const first = await sampledCalls()
    expect(first.recorded, `seed ${seed}: the calls recorded are the calls whose argument was read`).toEqual(first.touched)
    // Binomial(40000, 0.25): mean 10000, sd ~87; 6 sd either side.
    expect(first.recorded.length, `seed ${seed}`).toBeGreaterThan(10_000 - 520)
    expect(first.recorded.length, `seed ${seed}`).toBeLessThan(10_000 + 520)
    expect((await sampledCalls()).recorded, `seed ${seed}: the same seed samples the same calls`).toEqual(first.recorded)
  })

  it('reports stats per ring: written = delivered + lost + inRing', async () => {
    const tracer = createTracer({ provider: 'Test.Control', backend })
    const trace = tracer.event('Counted', [['n', t.f64]])
    for (let i = 0; i < 1000; i++) trace(i)
    const before = tracer.stats()
    expect(before.written).toBe(1000)
    expect(before.delivered + before.lost + before.inRing).toBe(1000)
    tracer.flush()
    expect(tracer.stats()).toMatchObject({ backend, written: 1000, delivered: 1000, lost: 0, inRing: 0 })
    await tracer.close()
    expect(tracer.stats()).toMatchObject({ written: 1000, delivered: 1000 })
  })
})
