// One event of every field type and two rows of values for it (extremes, then zeros and empties),
// shared by the ETW tests that check each type survives the TraceLogging encoding.

import { t, type ArgsOf } from '../../src/schema/field-type-tokens.js'

export const GUID = '01234567-89ab-cdef-0123-456789abcdef'
export const TEXT = 'héllo € 😀 日本'

export const ALL_TYPES = [
  ['b', t.bool], ['i8', t.i8], ['u8', t.u8], ['i16', t.i16], ['u16', t.u16], ['i32', t.i32],
  ['u32', t.u32], ['i64', t.i64], ['u64', t.u64], ['f32', t.f32], ['f64', t.f64], ['g', t.guid],
  ['s', t.str], ['empty', t.str], ['bin', t.binary],
  ['ai8', t.i8Array], ['au8', t.u8Array], ['ai16', t.i16Array], ['au16', t.u16Array],
  ['ai32', t.i32Array], ['au32', t.u32Array], ['ai64', t.i64Array], ['au64', t.u64Array],
  ['af32', t.f32Array], ['af64', t.f64Array],
] as const

/** Argument lists for the trace function of ALL_TYPES. */
export const ALL_TYPES_ROWS: readonly ArgsOf<typeof ALL_TYPES>[] = [
  [true, -128, 255, -32768, 65535, -2147483648, 4294967295, -(2n ** 63n), 2n ** 64n - 1n,
    1.5, -0, GUID, TEXT, '', Uint8Array.of(0, 1, 254, 255),
    [-1, 127], [0, 200], [-300], [65535, 1], [-5, 6], [4000000000], [-(2n ** 40n)], [2n ** 63n], [0.25], [Number.NaN, 1e300]],
  [false, 0, 0, 0, 0, 0, 0, 0n, 0n, 0, 0, new Uint8Array(16), '', '', new Uint8Array(0),
    [], [], [], [], [], [], [], [], [], []],
]
