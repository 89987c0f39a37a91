// Compile-time contract of EventBuilder: these fail the typecheck run when the typing breaks.
import { describe, expectTypeOf, it } from 'vitest'
import { createTracer } from '../src/tracer.js'
import { EventBuilder, type FieldValueOf } from '../src/dynamic/index.js'

const eb = new EventBuilder(createTracer({ provider: 'Types.Test', backend: 'js' }))

describe('EventBuilder typing', () => {
  it('maps each field type to the value traceX takes for it', () => {
    expectTypeOf<FieldValueOf<'u8'>>().toEqualTypeOf<number>()
    expectTypeOf<FieldValueOf<'u64'>>().toEqualTypeOf<number | bigint>()
    expectTypeOf<FieldValueOf<'guid'>>().toEqualTypeOf<string | Uint8Array>()
    expectTypeOf<FieldValueOf<'binary'>>().toEqualTypeOf<ArrayBufferView | ArrayBuffer>()
    expectTypeOf<FieldValueOf<'i64[]'>>().toEqualTypeOf<ArrayLike<number | bigint>>()
    expectTypeOf<FieldValueOf<'f32[]'>>().toEqualTypeOf<ArrayLike<number>>()
  })

  it('types the value of add() from its type and of each add<Type>()', () => {
    eb.reset('E', 4, 1n).add('n', 'u32', 1).add('s', 'str', 'x').add('xs', 'u64[]', [1n, 2]).addU64('big', 1n).addGuid('g', new Uint8Array(16))
    // @ts-expect-error a string for a u32
    eb.add('n', 'u32', '1')
    // @ts-expect-error not a field type
    eb.add('n', 'u31', 1)
    // @ts-expect-error a bigint for a u32
    eb.addU32('n', 1n)
    // @ts-expect-error a number for a string
    eb.addStr('s', 1)
    // @ts-expect-error bigints for an f64 array
    eb.addF64Array('xs', [1n])
  })

  it('chains reset and add, and write takes optional activity ids', () => {
    expectTypeOf(eb.reset('E', 4, 1n).addU8('a', 1)).toEqualTypeOf<EventBuilder>()
    expectTypeOf(eb.write).parameters.toEqualTypeOf<[activityId?: string | Uint8Array | null, relatedActivityId?: string | Uint8Array | null]>()
    // @ts-expect-error an activity id must be a GUID string or bytes
    eb.write(42)
  })
})
