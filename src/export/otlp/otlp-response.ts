// What an OTLP receiver answers: the partial success of a 2xx response, the message of an error
// response. The body comes from a peer that may be broken or hostile, so nothing here throws,
// every read is bounded by the body, and every message returned is cleaned for logs and stats:
// whitespace runs become one space, control and format characters (ANSI escapes, bidi
// overrides, lone surrogates) are removed, and it is cut to MESSAGE_LIMIT characters.

import { ProtoReader } from '../protobuf/proto-reader.js'
import { WIRE_LENGTH, WIRE_VARINT } from '../protobuf/wire-types.js'

export interface PartialSuccess {
  /** Spans or log records the receiver rejected; 0 when it accepted all (or did not say). */
  readonly rejected: number
  readonly message: string
}

/** The longest message returned, in UTF-16 units. */
export const MESSAGE_LIMIT = 200

// Export{Trace,Logs}ServiceResponse.partial_success, and in it rejected_<items>, error_message.
const PARTIAL_SUCCESS = 1
const REJECTED = 1
const ERROR_MESSAGE = 2
// google.rpc.Status.message
const STATUS_MESSAGE = 2

/** Characters of a message looked at: enough for MESSAGE_LIMIT after whitespace collapses. */
const SCAN_LIMIT = 4096
const NOTHING: PartialSuccess = { rejected: 0, message: '' }
/** A count at or above 2^63 was a negative int64. */
const NEGATIVE_INT64 = 2 ** 63
const JSON_KEYS = {
  traces: { rejected: ['rejectedSpans', 'rejected_spans'] },
  logs: { rejected: ['rejectedLogRecords', 'rejected_log_records'] },
} as const

const utf8 = new TextDecoder()

type BodyFormat = 'protobuf' | 'json' | 'other'

/**
 * From a 2xx body (protobuf or JSON by content type): partial_success.rejected_spans /
 * rejected_log_records and error_message; {0, ''} for an empty body. A body that cannot be
 * parsed, or of another content type: {rejected: 0, message: ''}; never throws. A negative count
 * reads as 0.
 */
export function readPartialSuccess(signal: 'traces' | 'logs', contentType: string, body: Uint8Array): PartialSuccess {
  if (body.length === 0) return NOTHING
  try {
    switch (bodyFormat(contentType)) {
      case 'protobuf': return partialSuccessProto(body)
      case 'json': return partialSuccessJson(signal, body)
      case 'other': return NOTHING
    }
  } catch {
    return NOTHING
  }
}

/**
 * From an error (4xx/5xx) body: google.rpc.Status.message (protobuf field 2, or JSON "message",
 * also as {"error": {"message"}}), else a short cleaned excerpt of the body as text; '' for an
 * empty body. Never throws.
 */
export function readErrorMessage(contentType: string, body: Uint8Array): string {
  if (body.length === 0) return ''
  let message = ''
  try {
    const format = bodyFormat(contentType)
    if (format === 'protobuf') message = cleanMessage(statusMessageProto(body))
    else if (format === 'json') message = cleanMessage(statusMessageJson(body))
  } catch {
    // Not the Status it claims to be: the excerpt below says what it was.
  }
  return message !== '' ? message : cleanMessage(utf8.decode(body.subarray(0, SCAN_LIMIT)))
}

function bodyFormat(contentType: string): BodyFormat {
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase()
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf'
  if (media === 'application/json' || media.endsWith('+json')) return 'json'
  return 'other'
}

function partialSuccessProto(body: Uint8Array): PartialSuccess {
  let rejected = 0
  let message = ''
  const response = new ProtoReader(body)
  while (!response.done) {
    const { field, wire } = response.tag()
    if (field !== PARTIAL_SUCCESS || wire !== WIRE_LENGTH) {
      response.skip(wire)
      continue
    }
    // A message field that occurs twice is merged: later values win.
    const partial = response.message()
    while (!partial.done) {
      const tag = partial.tag()
      if (tag.field === REJECTED && tag.wire === WIRE_VARINT) rejected = partial.varint()
      else if (tag.field === ERROR_MESSAGE && tag.wire === WIRE_LENGTH) message = partial.string()
      else partial.skip(tag.wire)
    }
  }
  return { rejected: rejected >= NEGATIVE_INT64 ? 0 : Math.min(rejected, Number.MAX_SAFE_INTEGER), message: cleanMessage(message) }
}

function partialSuccessJson(signal: 'traces' | 'logs', body: Uint8Array): PartialSuccess {
  const partial = member(JSON.parse(utf8.decode(body)), ['partialSuccess', 'partial_success'])
  const message = member(partial, ['errorMessage', 'error_message'])
  return {
    rejected: jsonCount(member(partial, JSON_KEYS[signal].rejected)),
    message: typeof message === 'string' ? cleanMessage(message) : '',
  }
}

function statusMessageProto(body: Uint8Array): string {
  let message = ''
  const status = new ProtoReader(body)
  while (!status.done) {
    const { field, wire } = status.tag()
    if (field === STATUS_MESSAGE && wire === WIRE_LENGTH) message = status.string()
    else status.skip(wire)
  }
  return message
}

function statusMessageJson(body: Uint8Array): string {
  const parsed: unknown = JSON.parse(utf8.decode(body))
  const message = member(parsed, ['message']) ?? member(member(parsed, ['error']), ['message'])
  return typeof message === 'string' ? message : ''
}

/** The value under the first of `keys` that an object has (the JSON mapping accepts both spellings). */
function member(value: unknown, keys: readonly string[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  for (const key of keys) {
    if (Object.hasOwn(value, key)) return (value as Record<string, unknown>)[key]
  }
  return undefined
}

/** An int64 count as OTLP/JSON sends it: a decimal string or a number; anything else is 0. */
function jsonCount(value: unknown): number {
  const count = typeof value === 'string' && /^\d{1,20}$/.test(value) ? Number(value) : value
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return 0
  return count >= NEGATIVE_INT64 ? 0 : Math.min(count, Number.MAX_SAFE_INTEGER)
}

/** `text` fit for a log line: see the head of this file. */
function cleanMessage(text: string): string {
  const clean = text.slice(0, SCAN_LIMIT).replace(/\s+/gu, ' ').replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '').trim()
  if (clean.length <= MESSAGE_LIMIT) return clean
  let cut = MESSAGE_LIMIT - 1
  // Never half a surrogate pair.
  const last = clean.charCodeAt(cut - 1)
  if (last >= 0xd800 && last <= 0xdbff) cut--
  return `${clean.slice(0, cut)}…`
}
