// tracer.logger(): pino's call shapes, lines as records in the rings (a schema per shape, its
// logger level in the SCHEMA), correlated with the current span, never throwing on what it is
// given. Run against both backends; lines are read back from the trace file.

import { afterEach, describe, expect, it } from 'vitest'
import { createTracer, currentCorrelation, withCorrelation, type Tracer, type TracerOptions } from '../src/index.js'
import { TracerError } from '../src/errors.js'
import { TraceReader } from '../src/reader/trace-reader.js'
import type { EventSchema } from '../src/reader/event-schema.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const open: Tracer[] = []
afterEach(async () => {
  for (const tracer of open.splice(0)) await tracer.close()
})

function tracerFor(backend: (typeof BACKENDS)[number], options: Omit<TracerOptions, 'provider' | 'backend'> = {}): { tracer: Tracer; file: string } {
  const file = tracePath(`logger-${backend}`)
  const tracer = createTracer({ provider: 'Test.Logger', backend, file, flushOnExit: false, ...options })
  open.push(tracer)
  return { tracer, file }
}

interface Line {
  event: TraceEvent
  schema: EventSchema
}

/** Every logger line of `file` with its schema, in order. */
async function linesOf(file: string): Promise<Line[]> {
  const reader = new TraceReader(file)
  const lines: Line[] = []
  for await (const batch of reader.batches()) {
    for (const item of batch) {
      if (item.kind !== 'event') continue
      const schema = reader.schemaOf(item)!
      if (schema.log !== undefined) lines.push({ event: item, schema })
    }
  }
  return lines
}

const fieldsOf = (lines: Line[]) => lines.map((l) => l.event.fields)

/** The 16 bytes of a GUID as the reader shows it, in hex: its first three groups are little-endian. */
const guidHex = (text: string): string => text.replace(/^(..)(..)(..)(..)-(..)(..)-(..)(..)-(....)-(.{12})$/, '$4$3$2$1$6$5$8$7$9$10')

describe.each(BACKENDS)('Tracer#logger() (%s backend)', (backend) => {
  it('writes msg, the bindings and the object\'s keys, each typed by its value (numbers as f64, bigints as i64)', async () => {
    const { tracer, file } = tracerFor(backend)
    const log = tracer.logger({ service: 'api' })
    log.info({ userId: 42, ms: 1.5, ok: true, name: 'x', big: 2n ** 40n, huge: 2 ** 60, list: [1, 'a'], obj: { k: null } }, 'signed in')
    log.info('plain')
    log.info({ empty: 'msg given later' })
    await tracer.close()
    const lines = await linesOf(file)
    expect(fieldsOf(lines)).toEqual([
      { msg: 'signed in', service: 'api', userId: 42, ms: 1.5, ok: true, name: 'x', big: 2n ** 40n, huge: 2 ** 60, list: '[1,"a"]', obj: '{"k":null}' },
      { msg: 'plain', service: 'api' },
      { msg: '', service: 'api', empty: 'msg given later' },
    ])
    expect(lines[0]!.schema.fields.map((f) => [f.name, f.type, f.outType ?? 0])).toEqual([
      ['msg', 'str', 0], ['service', 'str', 0], ['userId', 'f64', 0], ['ms', 'f64', 0], ['ok', 'bool', 0], ['name', 'str', 0],
      ['big', 'i64', 0], ['huge', 'f64', 0], ['list', 'str', 12], ['obj', 'str', 12],
    ])
    expect(lines.map((l) => [l.event.name, l.schema.log, l.event.level])).toEqual([['log', 30, 4], ['log', 30, 4], ['log', 30, 4]])
  })

  it('writes each level from its threshold up (default info), as pino numbers and ETW levels', async () => {
    const { tracer, file } = tracerFor(backend, { level: 5 })
    const log = tracer.logger()
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) log[level](level)
    expect(log.level).toBe('info')
    expect([log.isLevelEnabled('debug'), log.isLevelEnabled('info')]).toEqual([false, true])
    log.level = 'trace'
    log.trace('now trace')
    log.level = 'silent'
    log.fatal('never')
    expect(log.isLevelEnabled('fatal')).toBe(false)
    await tracer.close()
    expect((await linesOf(file)).map((l) => [l.event.fields.msg, l.schema.log, l.event.level])).toEqual([
      ['info', 30, 4], ['warn', 40, 3], ['error', 50, 2], ['fatal', 60, 1], ['now trace', 10, 5],
    ])
  })

  it('lets the tracer\'s level filter lines as it filters events', async () => {
    const { tracer, file } = tracerFor(backend, { level: 3 })
    const log = tracer.logger({}, { level: 'debug' })
    log.debug('not at warning level')
    log.info('nor this')
    log.warn('kept')
    tracer.setLevel(5)
    log.debug('kept after setLevel')
    await tracer.close()
    expect(fieldsOf(await linesOf(file)).map((f) => f.msg)).toEqual(['kept', 'kept after setLevel'])
  })

  it('formats printf arguments as pino does: %s %d %i %f %j %o %%, missing ones left as they are', async () => {
    const { tracer, file } = tracerFor(backend)
    const log = tracer.logger()
    log.info('user %s has %d items, %i%% done, ratio %f', 'bob', 3, 42.9, 0.5)
    log.info({ at: 1 }, 'json %j and %o', { a: [1] }, 'x')
    log.info('no argument for %s here')
    log.info('extra arguments are left out', 1, 2)
    const circular: Record<string, unknown> = {}
    circular.self = circular
    log.info('cycle %j', circular)
    await tracer.close()
    expect(fieldsOf(await linesOf(file)).map((f) => f.msg)).toEqual([
      'user bob has 3 items, 42% done, ratio 0.5',
      'json {"a":[1]} and "x"',
      'no argument for %s here',
      'extra arguments are left out',
      'cycle {"self":"[Circular]"}',
    ])
  })

  it('writes an Error under err with type, message, stack, cause and its own fields, its message as msg', async () => {
    const { tracer, file } = tracerFor(backend)
    const log = tracer.logger()
    const cause = new RangeError('too big')
    const error = Object.assign(new TypeError('boom', { cause }), { code: 'E_BOOM' })
    log.error(error)
    log.error(error, 'request failed')
    log.warn({ err: error, attempt: 2 }, 'retrying')
    await tracer.close()
    const lines = fieldsOf(await linesOf(file))
    expect(lines.map((f) => f.msg)).toEqual(['boom', 'request failed', 'retrying'])
    for (const line of lines) {
      const err = JSON.parse(line.err as string) as Record<string, unknown>
      expect(err).toMatchObject({ type: 'TypeError', message: 'boom', code: 'E_BOOM', cause: { type: 'RangeError', message: 'too big' } })
      expect(err.stack).toMatch(/^TypeError: boom\n {4}at /)
    }
    expect(lines[2]!.attempt).toBe(2)
  })

  it('gives children their bindings, at the parent\'s level unless told, sharing one schema per shape', async () => {
    const { tracer, file } = tracerFor(backend, { level: 5 })
    const log = tracer.logger({ service: 'api' })
    const requests = Array.from({ length: 200 }, (_, i) => log.child({ reqId: `r${i}` }))
    for (const [i, request] of requests.entries()) request.info({ status: 200 + (i % 2) }, 'done')
    const db = requests[0]!.child({ component: 'db' }, { level: 'debug' })
    db.debug('query')
    requests[0]!.debug('not at info')
    expect(db.bindings()).toEqual({ service: 'api', reqId: 'r0', component: 'db' })
    expect([requests[0]!.level, db.level]).toEqual(['info', 'debug'])
    await tracer.close()
    const lines = await linesOf(file)
    expect(lines).toHaveLength(201)
    expect(lines[5]!.event.fields).toEqual({ msg: 'done', service: 'api', reqId: 'r5', status: 201 })
    expect(lines[200]!.event.fields).toEqual({ msg: 'query', service: 'api', reqId: 'r0', component: 'db' })
    // 200 children, one shape: one event id for all their lines.
    expect(new Set(lines.slice(0, 200).map((l) => l.event.eventId)).size).toBe(1)
  })

  it('carries the current span\'s trace and span id, and none outside spans', async () => {
    const { tracer, file } = tracerFor(backend)
    const log = tracer.logger()
    log.info('before')
    await tracer.span('Request', async () => {
      await Promise.resolve()
      log.info({ step: 1 }, 'inside')
    })
    await tracer.close()
    const events = await readEvents(file)
    const start = events.find((e) => e.name === 'Request' && e.opcode === 1)!
    const [before, inside] = (await linesOf(file)).map((l) => l.event)
    expect(before).not.toHaveProperty('traceId')
    expect({ traceId: inside!.traceId, spanId: inside!.spanId }).toEqual({
      traceId: guidHex(start.fields.traceId as string), spanId: guidHex(start.fields.activityId as string).slice(0, 16),
    })
  })

  it('records the correlation id in scope on every line, across await, innermost scope first', async () => {
    const { tracer, file } = tracerFor(backend)
    const log = tracer.logger({ service: 'api' })
    log.info('outside')
    await withCorrelation('job-7', async () => {
      log.info({ step: 1 }, 'started')
      await new Promise((resolve) => setTimeout(resolve, 1))
      log.child({ worker: 2 }).info('after await')
      withCorrelation(42, () => log.warn('nested'))
      log.info({ correlationId: 'own' }, 'own key wins')
      expect(currentCorrelation()).toBe('job-7')
    })
    expect(currentCorrelation()).toBeUndefined()
    await tracer.close()
    expect(fieldsOf(await linesOf(file))).toEqual([
      { msg: 'outside', service: 'api' },
      { msg: 'started', correlationId: 'job-7', service: 'api', step: 1 },
      { msg: 'after await', correlationId: 'job-7', service: 'api', worker: 2 },
      { msg: 'nested', correlationId: '42', service: 'api' },
      { msg: 'own key wins', service: 'api', correlationId: 'own' },
    ])
    expect(() => withCorrelation('', () => 1)).toThrow(TracerError)
    expect(() => withCorrelation({} as never, () => 1)).toThrow(/withCorrelation\(\) expects an id/)
    expect(() => withCorrelation('x', 5 as never)).toThrow(/expects a function/)
  })

  it('takes an object\'s msg as the message, keeps the last of a repeated key, and makes any key a field name', async () => {
    const { tracer, file } = tracerFor(backend)
    const log = tracer.logger({ region: 'eu', n: 1 })
    log.info({ msg: 'from the object', a: 1 })
    log.info({ msg: 'ignored', a: 2 }, 'given')
    log.info({ region: 'us', 'trace.id': 'not an id', 'bad\nkey': 1, '': 2, ['x'.repeat(300)]: 3 })
    await tracer.close()
    const lines = fieldsOf(await linesOf(file))
    expect(lines[0]).toEqual({ msg: 'from the object', region: 'eu', n: 1, a: 1 })
    expect(lines[1]).toEqual({ msg: 'given', region: 'eu', n: 1, a: 2 })
    expect(lines[2]).toEqual({ msg: '', n: 1, region: 'us', 'bad_key': 1, _: 2, ['x'.repeat(255)]: 3 })
  })

  it('never throws on hostile values, and every line is accounted for', async () => {
    const { tracer, file } = tracerFor(backend)
    const log = tracer.logger()
    const throwing = { ok: 1, get bad(): number { throw new Error('getter') } }
    const trap = new Proxy({}, { ownKeys() { throw new Error('trap') } })
    const nested = { inner: { get bad(): number { throw new Error('deep getter') } } }
    let deep: Record<string, unknown> = { leaf: true }
    for (let i = 0; i < 20; i++) deep = { deep }
    const logging = { get value(): number { log.info('from a getter'); return 7 } }
    const values: unknown[] = [throwing, trap, nested, { deep }, { many: Array.from({ length: 1000 }, (_, i) => i) },
      { sym: Symbol('s'), [Symbol('key')]: 1, fn() {}, und: undefined }, { big: 2n ** 100n }, logging,
      { text: 'x'.repeat(100_000) }, null, 42, Symbol('alone')]
    for (const value of values) expect(() => log.info(value as object, 'hostile')).not.toThrow()
    expect(() => log.info({ toString() { throw new Error('x') } } as never)).not.toThrow()
    await tracer.close()
    const stats = tracer.stats()
    expect(stats.written).toBe(stats.delivered + stats.lost)
    const lines = fieldsOf(await linesOf(file))
    expect(lines).toHaveLength(values.length + 2)
    expect(lines[0]).toEqual({ msg: 'hostile', ok: 1 })
    expect(lines[1]).toEqual({ msg: 'hostile' })
    expect(lines[2]!.inner).toBe('{"bad":"[Throws: deep getter]"}')
    expect(lines[3]!.deep).toMatch(/"\[Object\]"/)
    expect(lines[4]!.many).toMatch(/,"\[\.\.\. 800 more\]"\]$/)
    expect(lines[5]).toEqual({ msg: 'hostile' })
    expect(lines[6]!.big).toBe(String(2n ** 100n))
    // The getter's line is written while the outer one is read: both are whole.
    expect(lines.slice(7, 9)).toEqual([{ msg: 'from a getter' }, { msg: 'hostile', value: 7 }])
    expect((lines[9]!.text as string).length).toBeLessThan(100_000)
    expect(lines[10]).toEqual({ msg: 'null' })
    expect(lines[11]).toEqual({ msg: '42' })
  })

  it('tells apart shapes that share a prefix, reading each value once', async () => {
    const { tracer, file } = tracerFor(backend)
    const log = tracer.logger({ service: 'api' })
    let reads = 0
    const counted = { a: 1, get b(): string { reads++; return 'b' } }
    log.info(counted)
    log.info({ a: 2, c: true })
    log.info({ a: 3, b: 'x', c: 1.5 })
    log.info({ a: 4 })
    log.info(counted)
    log.info({ a: 5, c: false })
    await tracer.close()
    expect(reads).toBe(2)
    const lines = await linesOf(file)
    expect(fieldsOf(lines)).toEqual([
      { msg: '', service: 'api', a: 1, b: 'b' },
      { msg: '', service: 'api', a: 2, c: true },
      { msg: '', service: 'api', a: 3, b: 'x', c: 1.5 },
      { msg: '', service: 'api', a: 4 },
      { msg: '', service: 'api', a: 1, b: 'b' },
      { msg: '', service: 'api', a: 5, c: false },
    ])
    const ids = lines.map((l) => l.event.eventId)
    expect([ids[0] === ids[4], ids[1] === ids[5], new Set(ids).size]).toEqual([true, true, 4])
  })

  it('caps a line at its field limit, keeping the first keys', async () => {
    const { tracer, file } = tracerFor(backend)
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]))
    tracer.logger({ service: 'api' }).info(wide, 'wide')
    await tracer.close()
    const [line] = fieldsOf(await linesOf(file))
    expect(Object.keys(line!)).toHaveLength(126)
    expect(line!.k123).toBe(123)
    expect(line).not.toHaveProperty('k124')
  })

  it('refuses bad arguments to logger() and child() with a TracerError naming them', () => {
    const { tracer } = tracerFor(backend)
    expect(() => tracer.logger('api' as never)).toThrow(TracerError)
    expect(() => tracer.logger({}, { level: 'verbose' as never })).toThrow(/level must be one of 'trace'/)
    expect(() => tracer.logger({}, { lvl: 'info' } as never)).toThrow(TracerError)
    expect(() => tracer.logger({}, { name: 'bad\nname' })).toThrow(TracerError)
    const log = tracer.logger()
    expect(() => log.child(null as never)).toThrow(TracerError)
    expect(() => { log.level = 'loud' as never }).toThrow(TracerError)
    expect(() => log.isLevelEnabled('loud' as never)).toThrow(TracerError)
  })

  it('names its lines\' event after the logger\'s name option, which children keep', async () => {
    const { tracer, file } = tracerFor(backend)
    const log = tracer.logger({}, { name: 'http' })
    log.child({ a: 1 }).info('child line')
    await tracer.close()
    expect((await linesOf(file)).map((l) => l.event.name)).toEqual(['http'])
  })

  it('writes nothing after close, and a logger of a closed tracer cannot be made', async () => {
    const { tracer, file } = tracerFor(backend)
    const log = tracer.logger()
    await tracer.close()
    expect(() => log.info('late')).not.toThrow()
    expect(() => tracer.logger()).toThrow(TracerError)
    expect(await linesOf(file)).toEqual([])
  })
})
