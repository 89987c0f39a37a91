import { describe, expect, it } from 'vitest'
import { createTracer, type TracerOptions } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { TracerError } from '../src/errors.js'
import { testHooksOf } from '../src/backend/select-backend.js'
import { BACKENDS } from './helpers/backends.js'
import { readAll, tracePath } from './helpers/trace-files.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(TracerError)
    return (error as TracerError).code
  }
  return undefined
}

describe('createTracer() options', () => {
  const bad: [string, Partial<TracerOptions> | undefined][] = [
    ['no options', undefined],
    ['empty provider', { provider: '' }],
    ['provider with NUL', { provider: 'a\0b' }],
    ['ring not a power of two', { provider: 'P', ringBytes: 5000 }],
    ['ring too small', { provider: 'P', ringBytes: 2048 }],
    ['ring too large', { provider: 'P', ringBytes: 2 ** 31 }],
    ['ring not an integer', { provider: 'P', ringBytes: 4096.5 }],
    ['unknown full policy', { provider: 'P', onFull: 'block' as never }],
    ['unknown backend', { provider: 'P', backend: 'wasm' as never }],
    ['level out of range', { provider: 'P', level: 6 }],
    ['negative keywords', { provider: 'P', keywords: -1n }],
    ['string cap too large', { provider: 'P', maxStringBytes: 70000 }],
    ['correlate not a boolean', { provider: 'P', correlate: 'yes' as never }],
  ]
  it.each(bad)('rejects %s with INVALID_OPTION', (_, options) => {
    expect(codeOf(() => createTracer(options as TracerOptions))).toBe('INVALID_OPTION')
  })

  it('rejects a bad RINGTRACE_BACKEND value', () => {
    process.env.RINGTRACE_BACKEND = 'fast'
    try {
      expect(codeOf(() => createTracer({ provider: 'P' }))).toBe('INVALID_OPTION')
    } finally {
      delete process.env.RINGTRACE_BACKEND
    }
  })
})

describe('createTracer() option keys', () => {
  const typos: [string, Record<string, unknown>, string][] = [
    ['a misspelt key', { ringBites: 1 << 16 }, 'ringtrace: unknown option "ringBites"; did you mean ringBytes?'],
    ['a transposition', { flie: 'x.rtrc' }, 'ringtrace: unknown option "flie"; did you mean file?'],
    ['a key in the wrong case', { filemode: 'append' }, 'ringtrace: unknown option "filemode"; did you mean fileMode?'],
    ['an unknown key set to undefined', { keyword: undefined }, 'ringtrace: unknown option "keyword"; did you mean keywords?'],
    ['an unknown etw key', { etw: { captrue: 'x.etwcap' } }, 'ringtrace: unknown option "etw.captrue"; did you mean etw.capture?'],
  ]
  it.each(typos)('rejects %s with INVALID_OPTION naming it and the nearest known option', (_, extra, message) => {
    let error: unknown
    try {
      createTracer({ provider: 'P', backend: 'js', flushOnExit: false, ...extra } as TracerOptions)
    } catch (caught) {
      error = caught
    }
    expect({ isTracerError: error instanceof TracerError, code: (error as TracerError).code, message: (error as TracerError).message })
      .toEqual({ isTracerError: true, code: 'INVALID_OPTION', message })
  })

  it('accepts every option key docs/api.md lists', () => {
    const options: Required<TracerOptions> = {
      provider: 'Test.AllOptions',
      backend: 'native',
      ringBytes: 1 << 16,
      onFull: 'discard',
      file: tracePath('all-options'),
      ringDir: tracePath('all-options-rings'),
      fileMode: 'truncate',
      level: 4,
      keywords: 1n,
      maxStringBytes: 64,
      threadName: 'main',
      flushOnExit: false,
      etw: { capture: tracePath('all-options-etw'), forceWrites: false },
      filePermissions: 0o640,
      followSymlinks: false,
      flushIntervalMs: 50,
      export: false,
      correlate: true,
      redact: { paths: ['password'], censor: '***' },
      log: { level: 'warn', components: { exclude: ['noisy'] }, sample: { debug: 0.5 }, rateLimit: { perSecond: 100 } },
      profile: 'test',
      console: { level: 'info', stream: 'stderr', colors: false, events: true, budgetBytes: 1 << 16 },
      alerts: { rules: [{ name: 'errors', when: { level: 'error' }, count: { moreThan: 5, withinMs: 10_000 } }] },
    }
    createTracer(options).closeSync()
  })
})

describe.each(BACKENDS)('bad input (%s backend)', (backend) => {
  it('takes a drain delay (a test hook) in whole microseconds up to 10 s', () => {
    const hooks = testHooksOf(backend)
    const refused = [-1, 1.5, 10_000_001, Number.NaN].filter((micros) => {
      try {
        hooks.setDrainDelay(micros)
        return false
      } catch (error) {
        return error instanceof RangeError
      }
    })
    expect(refused).toEqual([-1, 1.5, 10_000_001, Number.NaN])
    hooks.setDrainDelay(10_000_000)
    hooks.setDrainDelay(0)
  })

  it('rejects invalid schemas at tracer.event() with a code', async () => {
    const tracer = createTracer({ provider: 'Test.Bad', backend })
    tracer.event('Taken', [])
    expect(codeOf(() => tracer.event('Taken', []))).toBe('DUPLICATE_EVENT')
    expect(codeOf(() => tracer.event('', []))).toBe('INVALID_EVENT_NAME')
    expect(codeOf(() => tracer.event('has space', []))).toBe('INVALID_EVENT_NAME')
    expect(codeOf(() => tracer.event('9lives', []))).toBe('INVALID_EVENT_NAME')
    expect(codeOf(() => tracer.event('E1', [['x', { type: 'u128' }]] as never))).toBe('UNKNOWN_FIELD_TYPE')
    // The message names the tokens a user can write.
    expect(() => tracer.event('E1b', [['x', undefined]] as never)).toThrow(/use one of t\.bool, .*t\.u32Array, .*t\.f64Array$/)
    expect(codeOf(() => tracer.event('E2', [['x', t.u8], ['x', t.u8]]))).toBe('INVALID_FIELDS')
    expect(codeOf(() => tracer.event('E3', [['bad-name', t.u8]]))).toBe('INVALID_FIELDS')
    expect(codeOf(() => tracer.event('E4', 'u8' as never))).toBe('INVALID_FIELDS')
    const many = Array.from({ length: 129 }, (_, i) => [`f${i}`, t.u8] as const)
    expect(codeOf(() => tracer.event('E5', many))).toBe('TOO_MANY_FIELDS')
    expect(codeOf(() => tracer.event('E6', Array.from({ length: 128 }, (_, i) => [`f${i}`, t.u8] as const)))).toBeUndefined()
    expect(codeOf(() => tracer.event('E7', [], { level: 9 }))).toBe('INVALID_OPTION')
    expect(codeOf(() => tracer.event('E8', [], { sampleRate: 2 }))).toBe('INVALID_OPTION')
    expect(codeOf(() => tracer.event('E9', [], { clock: 'slow' as never }))).toBe('INVALID_OPTION')
    expect(() => tracer.event('E10', [], { levle: 3 } as never)).toThrow('ringtrace: unknown option "levle"; did you mean level?')
    expect(codeOf(() => tracer.event('E11', [], null as never))).toBe('INVALID_OPTION')
    await tracer.close()
    expect(codeOf(() => tracer.event('Late', []))).toBe('TRACER_CLOSED')
  })

  it('coerces or drops values of the wrong type from untyped callers, never corrupting the ring', async () => {
    const file = tracePath('coerce')
    const tracer = createTracer({ provider: 'Test.Bad', backend, file })
    const numbers = tracer.event('Numbers', [['n', t.u32], ['f', t.f64], ['b', t.bool], ['w', t.u64]])
    const text = tracer.event('Text', [['s', t.str], ['bytes', t.binary], ['xs', t.f64Array], ['id', t.guid]])
    const call = numbers as unknown as (...args: unknown[]) => void
    const callText = text as unknown as (...args: unknown[]) => void
    call('12', '2.5', 'yes', '7')                          // coerced: ToNumber, truthiness, BigInt('7')
    call(undefined, null, 0, 3.9)                          // coerced: 0, 0, false, 3
    call(Symbol('x'), 1, true, 1)                          // dropped: a Symbol has no number
    call({ valueOf() { throw new Error('boom') } }, 1, 1, 1) // dropped: valueOf throws
    call(1n, 1, true, 1)                                   // dropped: bigint for a 32-bit field
    call(1, 1, true, 'not a number')                       // dropped: BigInt('not a number') throws
    callText(42, new Uint8Array([1]), [1], '00000000-0000-0000-0000-000000000000') // coerced: String(42)
    callText('s', 'not bytes', [1], '00000000-0000-0000-0000-000000000000')        // dropped
    callText('s', new Uint8Array(1), 5, '00000000-0000-0000-0000-000000000000')    // dropped: not array-like
    callText('s', new Uint8Array(1), [1], 'not-a-guid')                            // dropped
    callText('s', new ArrayBuffer(2), { length: 2, 0: 1, 1: 2 }, new Uint8Array(16)) // coerced
    numbers(5, 5, true, 5)
    await tracer.close()
    expect(tracer.stats()).toMatchObject({ written: 12, delivered: 5, lostInvalid: 7, lost: 7 })
    const items = await readAll(file)
    const events = items.filter((i) => i.kind === 'event').map((e) => (e.kind === 'event' ? e.fields : {}))
    const zeroGuid = '00000000-0000-0000-0000-000000000000'
    expect(events).toEqual([
      { n: 12, f: 2.5, b: true, w: 7n },
      { n: 0, f: 0, b: false, w: 3n },
      { s: '42', bytes: new Uint8Array([1]), xs: new Float64Array([1]), id: zeroGuid },
      { s: 's', bytes: new Uint8Array(2), xs: new Float64Array([1, 2]), id: zeroGuid },
      { n: 5, f: 5, b: true, w: 5n },
    ])
    const lost = items.filter((i) => i.kind === 'lost')
    expect(lost.reduce((sum, l) => sum + (l.kind === 'lost' ? l.invalid : 0), 0)).toBe(7)
  })

  it('drops a record over the ring\'s record limit on the fast path too, and keeps the ring whole', async () => {
    const file = tracePath('oversize')
    const tracer = createTracer({ provider: 'Test.Bad', backend, file, ringBytes: 1 << 22, maxStringBytes: 65535 })
    const small = tracer.event('Small', [['i', t.u32]])
    const two = tracer.event('Two', [['a', t.str], ['b', t.str]])
    const nine = tracer.event('Nine', Array.from({ length: 9 }, (_, k) => [`s${k}`, t.str] as const))
    const big = 'z'.repeat(65535)
    // The first call leaves a limit word far ahead: the big records would fit under it.
    small(1)
    two(big, big)
    nine(big, big, big, big, big, big, big, big, big)
    small(2)
    two('a', 'b')
    await tracer.close()
    expect(tracer.stats()).toMatchObject({ written: 5, delivered: 3, lostInvalid: 2, lost: 2 })
    const events = (await readAll(file)).flatMap((i) => (i.kind === 'event' ? [[i.name, i.fields]] : []))
    expect(events).toEqual([['Small', { i: 1 }], ['Small', { i: 2 }], ['Two', { a: 'a', b: 'b' }]])
  })
})
