// `t.u8`, `t.str`, ... : the tokens a schema is written with. Each carries, at the type level
// only, the JS type its argument takes, so `tracer.event()` can type the returned function.

import type { FieldTypeName } from '../format/field-types.js'

export interface FieldToken<Name extends FieldTypeName, Value> {
  readonly type: Name
  /** Phantom: never set at run time. */
  readonly __value?: Value
}

function token<Name extends FieldTypeName, Value>(type: Name): FieldToken<Name, Value> {
  return Object.freeze({ type })
}

type Int64 = number | bigint
type NumArray = ArrayLike<number>
type Int64Array = ArrayLike<number | bigint>

export const t = Object.freeze({
  bool: token<'bool', boolean>('bool'),
  i8: token<'i8', number>('i8'),
  u8: token<'u8', number>('u8'),
  i16: token<'i16', number>('i16'),
  u16: token<'u16', number>('u16'),
  i32: token<'i32', number>('i32'),
  u32: token<'u32', number>('u32'),
  i64: token<'i64', Int64>('i64'),
  u64: token<'u64', Int64>('u64'),
  f32: token<'f32', number>('f32'),
  f64: token<'f64', number>('f64'),
  /** A GUID string (8-4-4-4-12 hex) or its 16 bytes in Windows memory order. */
  guid: token<'guid', string | Uint8Array>('guid'),
  /** UTF-8 in the ring, capped at the tracer's maxStringBytes. */
  str: token<'str', string>('str'),
  /** Bytes: a Uint8Array, any ArrayBuffer view (its bytes) or an ArrayBuffer. */
  binary: token<'binary', ArrayBufferView | ArrayBuffer>('binary'),
  i8Array: token<'i8[]', NumArray>('i8[]'),
  u8Array: token<'u8[]', NumArray>('u8[]'),
  i16Array: token<'i16[]', NumArray>('i16[]'),
  u16Array: token<'u16[]', NumArray>('u16[]'),
  i32Array: token<'i32[]', NumArray>('i32[]'),
  u32Array: token<'u32[]', NumArray>('u32[]'),
  i64Array: token<'i64[]', Int64Array>('i64[]'),
  u64Array: token<'u64[]', Int64Array>('u64[]'),
  f32Array: token<'f32[]', NumArray>('f32[]'),
  f64Array: token<'f64[]', NumArray>('f64[]'),
})

export type AnyFieldToken = FieldToken<FieldTypeName, unknown>
export type FieldSpec = readonly [name: string, token: AnyFieldToken]

/** The argument types of a trace function, from its `as const` field list. */
export type ArgsOf<Fields extends readonly FieldSpec[]> = {
  -readonly [K in keyof Fields]: Fields[K] extends readonly [string, FieldToken<FieldTypeName, infer V>] ? V : never
}
