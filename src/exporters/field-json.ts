// Field values as JSON text for exporters: 64-bit integers as decimal strings (JSON numbers
// lose digits past 2^53), NaN and infinities as strings, typed arrays (binary included: without
// the schema, a Uint8Array could be either) as arrays of numbers.

import type { FieldValue, TypedArrayValue } from '../reader/trace-items.js'

function numberJson(value: number | bigint): string {
  if (typeof value === 'bigint') return `"${value}"`
  return Number.isFinite(value) ? String(value) : `"${value}"`
}

export function fieldJson(value: FieldValue): string {
  switch (typeof value) {
    case 'number':
    case 'bigint': return numberJson(value)
    case 'boolean': return value ? 'true' : 'false'
    case 'string': return JSON.stringify(value)
  }
  let text = '['
  for (let i = 0; i < value.length; i++) text += `${i === 0 ? '' : ','}${numberJson(value[i])}`
  return `${text}]`
}

/** The bytes of a binary value as base64. */
export function base64Text(value: TypedArrayValue): string {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
}

/** As fieldJson, with binary (the schema says which Uint8Arrays are binary) as a base64 string. */
export function typedFieldJson(value: FieldValue, binary: boolean): string {
  return binary && typeof value === 'object' ? `"${base64Text(value)}"` : fieldJson(value)
}

/** `"key":value` pairs of `fields`, comma-separated, leaving out the names in `skip`. */
export function fieldsJson(fields: Record<string, FieldValue>, skip: ReadonlySet<string> | undefined): string {
  let text = ''
  for (const key of Object.keys(fields)) {
    if (skip?.has(key) === true) continue
    text += `${text === '' ? '' : ','}${JSON.stringify(key)}:${fieldJson(fields[key])}`
  }
  return text
}
