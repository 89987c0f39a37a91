// createTracer's `log` option: components included and excluded by pattern, levels per
// component, sampling per level, and rate limits per line shape whose held-back lines are
// counted in the trace (ringtrace.rateLimited records). Run against both backends.

import { afterEach, describe, expect, it } from 'vitest'
import { createTracer, t, type Tracer, type TracerOptions } from '../src/index.js'
import { TracerError } from '../src/errors.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const open: Tracer[] = []
afterEach(async () => {
  for (const tracer of open.splice(0)) await tracer.close()
})

function tracerFor(backend: (typeof BACKENDS)[number], log: TracerOptions['log']): { tracer: Tracer; file: string } {
  const file = tracePath(`log-filters-${backend}`)
  const tracer = createTracer({ provider: 'Test.LogFilters', backend, file, flushOnExit: false, log })
  open.push(tracer)
  return { tracer, file }
}

const messages = (events: TraceEvent[]) => events.filter((e) => typeof e.fields.msg === 'string').map((e) => e.fields.msg)
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.each(BACKENDS)('log filters (%s backend)', (backend) => {
  it('silences excluded components and those not included, and levels components by their longest pattern', async () => {
    const { tracer, file } = tracerFor(backend, {
      level: 'warn',
      components: { include: ['db*', 'http', 'log'], exclude: ['db.noisy'], levels: { 'db*': 'info', 'db.pool': 'debug' } },
    })
    const root = tracer.logger()
    const db = tracer.logger({ component: 'db' })
    const pool = root.child({ component: 'db.pool' })
    const noisy = tracer.logger({ component: 'db.noisy' })
    const other = tracer.logger({ component: 'cache' })
    const named = tracer.logger({}, { name: 'http' })
    expect([root.level, db.level, pool.level, noisy.level, other.level, named.level]).toEqual(['warn', 'info', 'debug', 'silent', 'silent', 'warn'])
    // An explicit level wins over the rules.
    expect(tracer.logger({ component: 'db.noisy' }, { level: 'error' }).level).toBe('error')
    root.info('root info')
    root.warn('root warn')
    db.info('db info')
    pool.debug('pool debug')
    noisy.fatal('noisy fatal')
    other.error('cache error')
    await tracer.close()
    expect(messages(await readEvents(file))).toEqual(['root warn', 'db info', 'pool debug'])
  })

  it('samples per level in the line\'s gate: 0 writes none, 1 all, 0.5 about half', async () => {
    const { tracer, file } = tracerFor(backend, { level: 'debug', sample: { debug: 0.5, info: 0, warn: 1 } })
    const log = tracer.logger()
    for (let i = 0; i < 10_000; i++) log.debug('d')
    for (let i = 0; i < 100; i++) log.info('i')
    for (let i = 0; i < 100; i++) log.warn('w')
    await tracer.close()
    const written = messages(await readEvents(file))
    const count = (m: string) => written.filter((w) => w === m).length
    expect([count('i'), count('w')]).toEqual([0, 100])
    // Binomial(10000, 0.5): the bounds are 10 standard deviations out.
    expect(count('d')).toBeGreaterThan(4500)
    expect(count('d')).toBeLessThan(5500)
  })

  it('holds lines past the rate limit per shape and counts them in-band, before the next line that passes and at close', async () => {
    const { tracer, file } = tracerFor(backend, { rateLimit: { perSecond: 20, burst: 5 } })
    const log = tracer.logger()
    for (let i = 0; i < 50; i++) log.info({ i }, 'hot')
    log.info({ other: 1 }, 'another shape has its own bucket')
    // The coarse clock moves while the thread waits: 300 ms refill 6 lines' worth.
    await pause(300)
    for (let i = 50; i < 60; i++) log.info({ i }, 'hot')
    log.error('held at close')
    for (let i = 0; i < 10; i++) log.error('held at close')
    await tracer.close()
    const events = await readEvents(file)
    const hot = events.filter((e) => e.fields.msg === 'hot').map((e) => e.fields.i as number)
    const reports = events.filter((e) => e.name === 'ringtrace.rateLimited')
    const hotId = events.find((e) => e.fields.msg === 'hot')!.eventId
    const held = (eventId: number) => reports.filter((r) => r.fields.eventId === eventId).reduce((n, r) => n + (r.fields.dropped as number), 0)
    expect(hot.slice(0, 5)).toEqual([0, 1, 2, 3, 4])
    expect(hot.length).toBeGreaterThanOrEqual(10)
    expect(hot.length).toBeLessThan(20)
    // Every line is either written or counted as held: nothing goes silently.
    expect(hot.length + held(hotId)).toBe(60)
    expect(messages(events)).toContain('another shape has its own bucket')
    const errorId = events.find((e) => e.fields.msg === 'held at close')!.eventId
    expect(events.filter((e) => e.fields.msg === 'held at close')).toHaveLength(5)
    expect(held(errorId)).toBe(6)
    // The first report comes before the first hot line after the pause.
    const firstReport = events.findIndex((e) => e.name === 'ringtrace.rateLimited' && e.fields.eventId === hotId)
    const resumed = events.findIndex((e) => e.fields.msg === 'hot' && (e.fields.i as number) >= 50)
    expect(firstReport).toBeGreaterThan(-1)
    expect(firstReport).toBeLessThan(resumed)
  })

  it('rate-limits a tracer.event() trace function the same way, and keeps its properties', async () => {
    const { tracer, file } = tracerFor(backend, undefined)
    const tick = tracer.event('Tick', [['n', t.u32], ['label', t.str]], { rateLimit: { perSecond: 10, burst: 3 } })
    for (let i = 0; i < 20; i++) tick(i, 'x')
    expect([tick.eventName, tick.enabled]).toEqual(['Tick', true])
    tick.disable()
    expect(tick.enabled).toBe(false)
    await tracer.close()
    const events = await readEvents(file)
    const ticks = events.filter((e) => e.name === 'Tick')
    expect(ticks.map((e) => e.fields)).toEqual([0, 1, 2].map((n) => ({ n, label: 'x' })))
    expect(events.filter((e) => e.name === 'ringtrace.rateLimited').map((e) => e.fields)).toEqual([{ eventId: ticks[0]!.eventId, dropped: 17 }])
    const other = createTracer({ provider: 'Test.LogFilters', backend, flushOnExit: false })
    open.push(other)
    expect(() => other.event('Bad', [['n', t.u32]], { rateLimit: { perSecond: -1 } })).toThrow(/rateLimit\.perSecond must be a positive number/)
    expect(() => other.defineSpan('Span', [], { rateLimit: { perSecond: 1 } } as never)).toThrow(/unknown option "rateLimit"/)
  })

  it('refuses a bad log option with a TracerError naming the key', () => {
    const bad: [unknown, RegExp][] = [
      ['warn', /log must be an object/],
      [{ level: 'loud' }, /log\.level must be one of/],
      [{ components: { include: 'db' } }, /log\.components\.include must be an array of patterns/],
      [{ components: { exclude: [''] } }, /log\.components\.exclude\[0\] must be a non-empty pattern/],
      [{ components: { levels: { db: 'verbose' } } }, /log\.components\.levels\["db"\] must be one of/],
      [{ components: { only: [] } }, /unknown option "log\.components\.only"/],
      [{ sample: { debug: 2 } }, /log\.sample\.debug must be a number from 0 to 1/],
      [{ sample: { verbose: 0.5 } }, /unknown option "log\.sample\.verbose"/],
      [{ rateLimit: { perSecond: 0 } }, /log\.rateLimit\.perSecond must be a positive number/],
      [{ rateLimit: { perSecond: 10, burst: 0.5 } }, /log\.rateLimit\.burst must be a number of at least 1/],
      [{ ratelimit: {} }, /unknown option "log\.ratelimit"; did you mean log\.rateLimit\?/],
    ]
    for (const [log, message] of bad) {
      let error: unknown
      try {
        createTracer({ provider: 'Test.LogFilters', backend, flushOnExit: false, log: log as never }).closeSync()
      } catch (caught) {
        error = caught
      }
      expect(error, JSON.stringify(log)).toBeInstanceOf(TracerError)
      expect((error as Error).message, JSON.stringify(log)).toMatch(message)
    }
  })
})
