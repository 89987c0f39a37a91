// Which OTLP AnyValue an attribute becomes, picked by its schema field type; the protobuf and
// JSON encoders share this table so that both bodies always carry the same values.
//
//   bool                           -> bool_value
//   i8, u8, i16, u16, i32, u32,    -> int_value
//   i64
//   u64                            -> int_value up to 2^63 - 1; above, string_value holding the
//                                     decimal (int_value is a signed 64-bit integer: a larger
//                                     value would come out negative)
//   f32, f64                       -> double_value (an f32 as the double it widens to)
//   str, guid                      -> string_value (a guid in its registry form)
//   binary                         -> bytes_value
//   <numeric>[]                    -> array_value whose elements follow the rules above
//
// Values are as the reader decodes them (FieldValue): numbers up to 32 bits and floats, bigint
// for 64-bit integers, strings, Uint8Array for binary, typed arrays for arrays.

import type { FieldTypeName } from '../../format/field-types.js'

export const AnyValueKind = {
  Bool: 0,
  Int: 1,
  U64: 2,
  Double: 3,
  String: 4,
  Bytes: 5,
  IntArray: 6,
  U64Array: 7,
  DoubleArray: 8,
} as const
export type AnyValueKind = (typeof AnyValueKind)[keyof typeof AnyValueKind]

export const ANY_VALUE_KINDS: Readonly<Record<FieldTypeName, AnyValueKind>> = {
  bool: AnyValueKind.Bool,
  i8: AnyValueKind.Int, u8: AnyValueKind.Int, i16: AnyValueKind.Int, u16: AnyValueKind.Int,
  i32: AnyValueKind.Int, u32: AnyValueKind.Int, i64: AnyValueKind.Int,
  u64: AnyValueKind.U64,
  f32: AnyValueKind.Double, f64: AnyValueKind.Double,
  str: AnyValueKind.String, guid: AnyValueKind.String,
  binary: AnyValueKind.Bytes,
  'i8[]': AnyValueKind.IntArray, 'u8[]': AnyValueKind.IntArray, 'i16[]': AnyValueKind.IntArray,
  'u16[]': AnyValueKind.IntArray, 'i32[]': AnyValueKind.IntArray, 'u32[]': AnyValueKind.IntArray,
  'i64[]': AnyValueKind.IntArray,
  'u64[]': AnyValueKind.U64Array,
  'f32[]': AnyValueKind.DoubleArray, 'f64[]': AnyValueKind.DoubleArray,
}

/** The kind of each element of an array kind. */
export const ELEMENT_KINDS: Readonly<Record<number, AnyValueKind>> = {
  [AnyValueKind.IntArray]: AnyValueKind.Int,
  [AnyValueKind.U64Array]: AnyValueKind.U64,
  [AnyValueKind.DoubleArray]: AnyValueKind.Double,
}

const INT64_MAX = 2n ** 63n - 1n

/** Whether a u64 value fits int_value; above 2^63 - 1 it is sent as a decimal string_value. */
export function fitsInt64(value: bigint): boolean {
  return value <= INT64_MAX
}
