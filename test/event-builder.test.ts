import { describe, expect, it } from 'vitest'
import { createTracer, type Tracer, type TracerOptions } from '../src/tracer.js'
import { EventBuilder, OutType } from '../src/dynamic/index.js'
import { ChunkType } from '../src/format/file-layout.js'
import { ChunkSource } from '../src/reader/chunk-source.js'
import { t } from '../src/schema/field-type-tokens.js'
import { Level, Opcode } from '../src/schema/levels.js'
import { TracerError } from '../src/errors.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

/** The JSON of every SCHEMA chunk of a file, in order. */
async function readSchemas(path: string): Promise<Record<string, unknown>[]> {
  const source = await ChunkSource.open(path)
  const schemas: Record<string, unknown>[] = []
  try {
    for (let chunk = await source.next(); chunk !== undefined; chunk = await source.next()) {
      if (chunk.type !== ChunkType.Schema) continue
      schemas.push(JSON.parse(chunk.bytes.toString('utf8', chunk.start, chunk.start + chunk.length)) as Record<string, unknown>)
    }
  } finally {
    await source.close()
  }
  return schemas
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    if (error instanceof TracerError) return error.code
    throw error
  }
  return undefined
}

const ACTIVITY = '0123abcd-4567-89ef-0123-456789abcdef'
const PARENT = 'fedcba98-7654-3210-fedc-ba9876543210'

describe.each(BACKENDS)('EventBuilder (%s backend)', (backend) => {
  function open(name: string, options: Partial<TracerOptions> = {}): { tracer: Tracer; eb: EventBuilder; file: string } {
    const file = tracePath(name)
    const tracer = createTracer({ provider: 'Test.Dynamic', backend, file, flushOnExit: false, ...options })
    return { tracer, eb: new EventBuilder(tracer), file }
  }

  it('round-trips every field type with its name, level, keyword and opcode', async () => {
    const { tracer, eb, file } = open('all-types')
    const guidBytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17)
    eb.reset('AllTypes', Level.Warning, 0x8000_0000_0000_0001n, Opcode.Start)
      .addBool('bool', true).addI8('i8', -128).addU8('u8', 255).addI16('i16', -32768).addU16('u16', 65535)
      .addI32('i32', -(2 ** 31)).addU32('u32', 2 ** 32 - 1).addI64('i64', -(2n ** 63n)).addU64('u64', 2n ** 64n - 1n)
      .addF32('f32', 0.75).addF64('f64', Math.PI).addGuid('guidText', ACTIVITY).addGuid('guidBytes', guidBytes)
      .addStr('str', 'héllo ✓').addBinary('binary', Uint8Array.of(1, 2, 3))
      .addI8Array('i8a', [-1, 2]).addU8Array('u8a', [255]).addI16Array('i16a', [-300]).addU16Array('u16a', [60000])
      .addI32Array('i32a', [-70000]).addU32Array('u32a', [4e9]).addI64Array('i64a', [-5n, 6])
      .addU64Array('u64a', [2n ** 64n - 1n]).addF32Array('f32a', [1.5]).addF64Array('f64a', [0.1, -0])
      .write()
    await tracer.close()
    const [event, ...rest] = await readEvents(file)
    expect(rest).toHaveLength(0)
    expect(event).toMatchObject({ name: 'AllTypes', level: Level.Warning, keyword: 0x8000_0000_0000_0001n, opcode: Opcode.Start })
    expect(event!.fields).toEqual({
      bool: true, i8: -128, u8: 255, i16: -32768, u16: 65535, i32: -(2 ** 31), u32: 2 ** 32 - 1,
      i64: -(2n ** 63n), u64: 2n ** 64n - 1n, f32: 0.75, f64: Math.PI,
      guidText: ACTIVITY, guidBytes: '33221100-5544-7766-8899-aabbccddeeff',
      str: 'héllo ✓', binary: Uint8Array.of(1, 2, 3),
      i8a: Int8Array.of(-1, 2), u8a: Uint8Array.of(255), i16a: Int16Array.of(-300), u16a: Uint16Array.of(60000),
      i32a: Int32Array.of(-70000), u32a: Uint32Array.of(4e9), i64a: BigInt64Array.of(-5n, 6n),
      u64a: BigUint64Array.of(2n ** 64n - 1n), f32a: Float32Array.of(1.5), f64a: Float64Array.of(0.1, -0),
    })
    expect(Object.keys(event!.fields)).toEqual(['bool', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64',
      'guidText', 'guidBytes', 'str', 'binary', 'i8a', 'u8a', 'i16a', 'u16a', 'i32a', 'u32a', 'i64a', 'u64a', 'f32a', 'f64a'])
  })

  it('add(name, type, value) takes any field type by name, and an event may have no fields', async () => {
    const { tracer, eb, file } = open('generic-add')
    eb.reset('Generic', Level.Info, 1).add('n', 'u16', 7).add('list', 'f64[]', [1, 2]).add('s', 'str', 'x').write()
    eb.reset('Empty', Level.Verbose, 0).write()
    await tracer.close()
    expect((await readEvents(file)).map((e) => [e.name, e.fields])).toEqual([
      ['Generic', { n: 7, list: Float64Array.of(1, 2), s: 'x' }],
      ['Empty', {}],
    ])
  })

  it('registers one schema per shape, shared by every builder of the tracer', async () => {
    const { tracer, eb, file } = open('shapes')
    const other = new EventBuilder(tracer)
    for (let i = 0; i < 3; i++) eb.reset('Tick', Level.Info, 1).addU32('n', i).addStr('s', `v${i}`).write()
    other.reset('Tick', Level.Info, 1).addU32('n', 3).addStr('s', 'v3').write()
    eb.reset('Tick', Level.Info, 1).addU32('n', 4).write() // fewer fields
    eb.reset('Tick', Level.Info, 1).addU32('n', 5).addU64('s', 5).write() // another type
    eb.reset('Tick', Level.Info, 1).addU32('n', 6, 4).addStr('s', 'v6').write() // an outType
    eb.reset('Tick', Level.Info, 1).addU32('n', 7, 0, 9).addStr('s', 'v7').write() // a tag
    eb.reset('Tick', Level.Warning, 1).addU32('n', 8).addStr('s', 'v8').write() // another level
    eb.reset('Tick', Level.Info, 2).addU32('n', 9).addStr('s', 'v9').write() // another keyword
    eb.reset('Tick', Level.Info, 1, Opcode.Stop).addU32('n', 10).addStr('s', 'v10').write() // another opcode
    eb.reset('Tick', Level.Info, 1).addU32('m', 11).addStr('s', 'v11').write() // another name
    other.reset('Tick', Level.Info, 1).addU32('n', 12).addStr('s', 'v12').write()
    const after = tracer.event('After', [['x', t.u8]])
    await tracer.close()
    const events = await readEvents(file)
    const ids = events.map((e) => e.eventId)
    expect(ids).toEqual([1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1])
    expect(after.eventId).toBe(10)
    expect((await readSchemas(file)).map((s) => s.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(events.map((e) => e.fields.n ?? e.fields.m)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
  })

  it('finds a shape another builder registered while this one was building it', async () => {
    const { tracer, eb, file } = open('shared-shape')
    const other = new EventBuilder(tracer)
    eb.reset('Shared', Level.Info, 1).addU32('n', 1)
    other.reset('Shared', Level.Info, 1).addU32('n', 2).write()
    eb.write()
    other.write()
    await tracer.close()
    expect((await readEvents(file)).map((e) => [e.eventId, e.fields.n])).toEqual([[1, 2], [1, 1], [1, 2]])
    expect(await readSchemas(file)).toHaveLength(1)
  })

  it('keeps outType and tag in the SCHEMA JSON as extra field keys, which the reader ignores', async () => {
    const { tracer, eb, file } = open('hints')
    eb.reset('Hinted', Level.Info, 1).addU32('pid', 42, OutType.Pid).addStr('json', '{}', OutType.Json, 0x0fffffff).addU8('plain', 1).write()
    await tracer.close()
    const [schema] = await readSchemas(file)
    expect(schema!.fields).toEqual([
      { name: 'pid', type: 'u32', outType: 5 },
      { name: 'json', type: 'str', outType: 12, tag: 0x0fffffff },
      { name: 'plain', type: 'u8' },
    ])
    expect((await readEvents(file))[0]!.fields).toEqual({ pid: 42, json: '{}', plain: 1 })
  })

  it('isEnabled follows setLevel, setKeywords and close, and write() does nothing while it is false', async () => {
    const { tracer, eb, file } = open('enabled', { level: Level.Warning, keywords: 0x1n })
    expect(eb.isEnabled(Level.Warning, 0x1n)).toBe(true)
    expect(eb.isEnabled(Level.Info, 0x1n)).toBe(false)
    expect(eb.isEnabled(Level.LogAlways, 0x1n)).toBe(true)
    expect(eb.isEnabled(Level.Error, 0x2n)).toBe(false)
    expect(eb.isEnabled(Level.Error, 0)).toBe(true)
    eb.reset('Quiet', Level.Info, 0x1n).addU32('n', 1).write()
    tracer.setLevel(Level.Verbose)
    expect(eb.isEnabled(Level.Info, 0x1n)).toBe(true)
    eb.write()
    tracer.setKeywords(0x2n)
    expect(eb.isEnabled(Level.Info, 0x1n)).toBe(false)
    eb.write()
    tracer.setKeywords(0x3n)
    eb.write()
    await tracer.close()
    expect(eb.isEnabled(Level.LogAlways, 0)).toBe(false)
    eb.write()
    expect(tracer.stats().written).toBe(2)
    expect((await readEvents(file)).map((e) => [e.name, e.fields.n])).toEqual([['Quiet', 1], ['Quiet', 1]])
    // The write while disabled registered nothing: the only schema is the first enabled write's.
    expect(await readSchemas(file)).toHaveLength(1)
  })

  it('keeps the event after write(): write() again records it again, add() extends it', async () => {
    const { tracer, eb, file } = open('rewrite')
    eb.reset('Again', Level.Info, 1).addU32('a', 1)
    eb.write()
    eb.write()
    eb.addStr('b', 'more').write()
    eb.reset('Again', Level.Info, 1).addU32('a', 2).write()
    await tracer.close()
    expect((await readEvents(file)).map((e) => e.fields)).toEqual([{ a: 1 }, { a: 1 }, { a: 1, b: 'more' }, { a: 2 }])
  })

  it('coerces values as traceX does, and drops and counts a value it cannot coerce', async () => {
    const { tracer, eb, file } = open('coercion')
    const untyped = eb as unknown as Record<string, (name: string, value: unknown) => EventBuilder>
    eb.reset('Coerced', Level.Info, 1)
    untyped.addU32!('n', '7')
    untyped.addBool!('b', 'yes')
    untyped.addStr!('s', 12)
    untyped.addU8!('wrap', 257)
    eb.write()
    eb.reset('Bad', Level.Info, 1).addU32('n', 1)
    untyped.addU32!('bad', Symbol('x'))
    eb.write()
    eb.reset('Bad', Level.Info, 1).addU32('n', 2)
    untyped.addBinary!('bad', 42)
    eb.write()
    eb.reset('Bad', Level.Info, 1).addU32('n', 3).addGuid('bad', 'not-a-guid').write()
    eb.reset('Bad', Level.Info, 1).addU32('n', 4)
    untyped.addU32Array!('bad', 5)
    eb.write()
    await tracer.close()
    expect(tracer.stats()).toMatchObject({ written: 5, delivered: 1, lostInvalid: 4 })
    const events = await readEvents(file)
    expect(events.map((e) => [e.name, e.fields])).toEqual([['Coerced', { n: 7, b: true, s: '12', wrap: 1 }]])
  })

  it('records activity ids as the leading activityId and parentId guid fields', async () => {
    const { tracer, eb, file } = open('activity')
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => 255 - i)
    eb.reset('Work', Level.Info, 1, Opcode.Start).addU32('n', 1)
    eb.write(ACTIVITY, PARENT)
    eb.write(bytes)
    eb.write(null, PARENT)
    eb.write()
    eb.write('{' + ACTIVITY.toUpperCase() + '}')
    eb.write('bad-guid')
    await tracer.close()
    const events = await readEvents(file)
    expect(events.map((e) => [e.eventId, Object.keys(e.fields), e.fields.activityId, e.fields.parentId])).toEqual([
      [1, ['activityId', 'parentId', 'n'], ACTIVITY, PARENT],
      [2, ['activityId', 'n'], 'fcfdfeff-fafb-f8f9-f7f6-f5f4f3f2f1f0', undefined],
      [1, ['activityId', 'parentId', 'n'], '00000000-0000-0000-0000-000000000000', PARENT],
      [3, ['n'], undefined, undefined],
      [2, ['activityId', 'n'], ACTIVITY, undefined],
    ])
    expect(tracer.stats().lostInvalid).toBe(1)
  })

  it('throws TracerError with a code on misuse, leaving the builder as it was', () => {
    const tracer = createTracer({ provider: 'Test.Dynamic', backend, flushOnExit: false })
    const eb = new EventBuilder(tracer)
    expect(codeOf(() => eb.addU32('n', 1))).toBe('BUILDER_STATE')
    expect(codeOf(() => eb.write())).toBe('BUILDER_STATE')
    expect(() => eb.addU32('n', 1)).toThrow(/call reset\(name, level, keyword\)/)
    expect(codeOf(() => eb.reset('bad name', Level.Info, 1))).toBe('INVALID_EVENT_NAME')
    expect(codeOf(() => eb.addU32('n', 1))).toBe('BUILDER_STATE')
    expect(codeOf(() => eb.reset('Ok', 6, 1))).toBe('INVALID_OPTION')
    expect(codeOf(() => eb.reset('Ok', Level.Info, -1))).toBe('INVALID_OPTION')
    expect(codeOf(() => eb.reset('Ok', Level.Info, 1, 256))).toBe('INVALID_OPTION')
    eb.reset('Ok', Level.Info, 1).addU32('n', 1)
    expect(codeOf(() => eb.addU32('n', 2))).toBe('INVALID_FIELDS')
    expect(codeOf(() => eb.addU32('2n', 2))).toBe('INVALID_FIELDS')
    expect(codeOf(() => eb.addU32('m', 2, 128))).toBe('INVALID_FIELDS')
    expect(codeOf(() => eb.addU32('m', 2, 0, 0x10000000))).toBe('INVALID_FIELDS')
    expect(codeOf(() => eb.add('m', 'u31' as 'u32', 2))).toBe('UNKNOWN_FIELD_TYPE')
    expect(codeOf(() => eb.add('m', 'toString' as 'u32', 2))).toBe('UNKNOWN_FIELD_TYPE')
    for (let i = 1; i < 128; i++) eb.addU8(`f${i}`, i)
    expect(codeOf(() => eb.addU8('f128', 128))).toBe('TOO_MANY_FIELDS')
    expect(() => eb.write()).not.toThrow()
    // With activity ids the two guid fields count too.
    expect(codeOf(() => eb.write(ACTIVITY))).toBe('TOO_MANY_FIELDS')
    eb.reset('Ids', Level.Info, 1).addU32('activityId', 1)
    expect(codeOf(() => eb.write(ACTIVITY))).toBe('INVALID_FIELDS')
    expect(codeOf(() => new EventBuilder({} as Tracer))).toBe('INVALID_OPTION')
    tracer.closeSync()
  })

  it('throws TracerError, not what a hostile argument throws, from every method that checks arguments', async () => {
    const file = tracePath('hostile-arguments')
    const tracer = createTracer({ provider: 'Test.Dynamic', backend, file, flushOnExit: false })
    const eb = new EventBuilder(tracer)
    const trap = (): never => { throw new Error('the trap ran') }
    const hostile: [string, unknown][] = [
      ['a Proxy whose traps throw', new Proxy({}, { get: trap, getOwnPropertyDescriptor: trap, ownKeys: trap, has: trap, getPrototypeOf: trap })],
      ['a revoked Proxy', (() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy })()],
      ['an object whose conversions throw', { valueOf: trap, toString: trap, toJSON: trap }],
    ]
    for (const [what, value] of hostile) {
      const h = value as never
      const codes = {
        constructor: codeOf(() => new EventBuilder(h)),
        isEnabledLevel: codeOf(() => eb.isEnabled(h, 0n)),
        isEnabledKeyword: codeOf(() => eb.isEnabled(Level.Info, h)),
        tracerIsEnabled: codeOf(() => tracer.isEnabled(h, 0n)),
        resetName: codeOf(() => eb.reset(h, Level.Info, 1n)),
        resetLevel: codeOf(() => eb.reset('Ok', h, 1n)),
        resetKeyword: codeOf(() => eb.reset('Ok', Level.Info, h)),
        resetOpcode: codeOf(() => eb.reset('Ok', Level.Info, 1n, h)),
        addName: codeOf(() => eb.reset('Ok', Level.Info, 1n).addU32(h, 1)),
        addType: codeOf(() => eb.reset('Ok', Level.Info, 1n).add('n', h as 'u32', 1)),
        addOutType: codeOf(() => eb.reset('Ok', Level.Info, 1n).addU32('n', 1, h)),
        addTag: codeOf(() => eb.reset('Ok', Level.Info, 1n).addU32('n', 1, 0, h)),
      }
      expect({ what, codes }).toEqual({
        what,
        codes: {
          constructor: 'INVALID_OPTION',
          isEnabledLevel: 'INVALID_OPTION',
          isEnabledKeyword: 'INVALID_OPTION',
          tracerIsEnabled: 'INVALID_OPTION',
          resetName: 'INVALID_EVENT_NAME',
          resetLevel: 'INVALID_OPTION',
          resetKeyword: 'INVALID_OPTION',
          resetOpcode: 'INVALID_OPTION',
          addName: 'INVALID_FIELDS',
          addType: 'UNKNOWN_FIELD_TYPE',
          addOutType: 'INVALID_FIELDS',
          addTag: 'INVALID_FIELDS',
        },
      })
      // A hostile value is a value: the record is dropped and counted, as traceX does.
      expect(() => eb.reset('Ok', Level.Info, 1n).addU32('n', h).write()).not.toThrow()
    }
    expect(() => eb.reset('Ok', { valueOf: trap } as never, 1n)).toThrow('ringtrace: level must be an integer level from 0 (LogAlways) to 5 (Verbose), got an object')
    await tracer.close()
    expect(tracer.stats()).toMatchObject({ delivered: 0, lostInvalid: hostile.length })
    expect(await readEvents(file)).toEqual([])
  })

  it('throws TOO_MANY_EVENTS when shapes exceed the tracer\'s 4095 events, and keeps writing known shapes', () => {
    const tracer = createTracer({ provider: 'Test.Dynamic', backend, flushOnExit: false })
    const eb = new EventBuilder(tracer)
    for (let i = 0; i < 4095; i++) eb.reset('Many', Level.Info, 1).addU8(`f${i}`, 1).write()
    eb.reset('Many', Level.Info, 1).addU8('f4095', 1)
    expect(codeOf(() => eb.write())).toBe('TOO_MANY_EVENTS')
    expect(() => eb.write()).toThrow(/each EventBuilder shape/)
    eb.reset('Many', Level.Info, 1).addU8('f7', 1).write()
    expect(tracer.stats().written).toBe(4096)
    tracer.closeSync()
  })
})
