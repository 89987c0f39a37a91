// Compile-time contract of traceX: these fail the typecheck run when the typing breaks.
import { describe, expectTypeOf, it } from 'vitest'
import { createTracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { ALL_TYPES } from './helpers/all-field-types.js'

const tracer = createTracer({ provider: 'Types.Test', backend: 'js' })

describe('tracer.event() typing', () => {
  it('types each argument from its field', () => {
    const tracePriming = tracer.event('Priming', [['primingType', t.u8], ['strength', t.f32], ['source', t.u64], ['target', t.u64]])
    expectTypeOf(tracePriming).parameters.toEqualTypeOf<[number, number, number | bigint, number | bigint]>()
    tracePriming(1, 0.75, 42, 43n)
    // @ts-expect-error a string where a u8 is declared
    tracePriming('1', 0.75, 42, 43)
    // @ts-expect-error too few arguments
    tracePriming(1, 0.75, 42)
    // @ts-expect-error too many arguments
    tracePriming(1, 0.75, 42, 43, 44)
    // @ts-expect-error a bigint where an f32 is declared
    tracePriming(1, 1n, 42, 43)
  })

  it('types strings, binary, guids, bools and arrays', () => {
    const trace = tracer.event('Mixed', [['name', t.str], ['blob', t.binary], ['id', t.guid], ['ok', t.bool], ['xs', t.f64Array], ['ids', t.u64Array]] as const)
    expectTypeOf(trace).parameters.toEqualTypeOf<[string, ArrayBufferView | ArrayBuffer, string | Uint8Array, boolean, ArrayLike<number>, ArrayLike<number | bigint>]>()
    trace('a', new Uint8Array(2), '01234567-89ab-cdef-0123-456789abcdef', true, new Float64Array(3), [1n, 2n])
    // @ts-expect-error a number where a string is declared
    trace(1, new Uint8Array(2), 'g', true, [], [])
    // @ts-expect-error a string where a bool is declared
    trace('a', new Uint8Array(2), 'g', 'yes', [], [])
    // @ts-expect-error strings in a numeric array
    trace('a', new Uint8Array(2), 'g', true, ['x'], [])
  })

  it('exposes enabled as a read-only boolean and the control methods', () => {
    const trace = tracer.event('Empty', [])
    expectTypeOf(trace.enabled).toEqualTypeOf<boolean>()
    expectTypeOf(trace).parameters.toEqualTypeOf<[]>()
    // @ts-expect-error enabled is read-only
    trace.enabled = false
    expectTypeOf(trace.setSampleRate).parameters.toEqualTypeOf<[rate: number]>()
  })
})

describe('tracer.defineSpan() typing', () => {
  it('types span attributes from their fields', () => {
    const action = tracer.defineSpan('TypedSpan', [['actionId', t.u32], ['kind', t.str]])
    expectTypeOf(action.run(() => 1, 7, 'fast')).toEqualTypeOf<number>()
    expectTypeOf(action.run(async () => 'x', 7, 'fast')).toEqualTypeOf<Promise<string>>()
    action.start(1, 'a').end()
    // @ts-expect-error a string where a u32 attribute is declared
    action.start('1', 'a')
    // @ts-expect-error a missing attribute
    action.run(() => 1, 7)
  })

  it('types attributes of every field type as an event of the same fields types its arguments', () => {
    const kind = tracer.defineSpan('AllTypesSpan', ALL_TYPES)
    const event = tracer.event('AllTypesEvent', ALL_TYPES)
    expectTypeOf(kind.start).parameters.toEqualTypeOf<Parameters<typeof event>>()
    expectTypeOf<Parameters<typeof kind.run<void>>>().toEqualTypeOf<[() => void, ...Parameters<typeof event>]>()
    const guidFirst = tracer.defineSpan('GuidFirst', [['g', t.guid], ['a', t.u16], ['s', t.str]])
    guidFirst.run(() => {}, '11111111-2222-3333-4444-555555555555', 513, 'after')
    // @ts-expect-error a guid attribute is one value, not four words
    guidFirst.run(() => {}, 1, 2, 3, 4, 513, 'after')
  })
})
