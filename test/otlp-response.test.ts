import { describe, expect, it } from 'vitest'
import { MESSAGE_LIMIT, readErrorMessage, readPartialSuccess } from '../src/export/otlp/otlp-response.js'
import { ExportLogsServiceResponse, ExportTraceServiceResponse, RpcStatus } from './helpers/otlp-protos.js'
import { prng, seededBytes } from './helpers/seeded-random.js'

const PROTOBUF = 'application/x-protobuf'
const JSON_TYPE = 'application/json'
const NOTHING = { rejected: 0, message: '' }

const text = (value: string) => new TextEncoder().encode(value)
const json = (value: unknown) => text(JSON.stringify(value))
function proto(type: typeof RpcStatus, value: Record<string, unknown>): Uint8Array {
  return type.encode(type.fromObject(value)).finish()
}

describe('readPartialSuccess', () => {
  it('reads rejected spans and the error message from a protobuf ExportTraceServiceResponse', () => {
    const body = proto(ExportTraceServiceResponse, { partialSuccess: { rejectedSpans: 3, errorMessage: 'quota exceeded' } })
    expect(readPartialSuccess('traces', PROTOBUF, body)).toEqual({ rejected: 3, message: 'quota exceeded' })
  })

  it('reads rejected log records from a protobuf ExportLogsServiceResponse', () => {
    const body = proto(ExportLogsServiceResponse, { partialSuccess: { rejectedLogRecords: '9007199254740991', errorMessage: 'too old' } })
    expect(readPartialSuccess('logs', 'application/x-protobuf; charset=binary', body)).toEqual({ rejected: 2 ** 53 - 1, message: 'too old' })
  })

  it('reads a warning without rejections, and nothing from an empty body or an empty response', () => {
    const warning = proto(ExportTraceServiceResponse, { partialSuccess: { errorMessage: 'deprecated attribute' } })
    expect(readPartialSuccess('traces', PROTOBUF, warning)).toEqual({ rejected: 0, message: 'deprecated attribute' })
    expect(readPartialSuccess('traces', PROTOBUF, new Uint8Array(0))).toEqual(NOTHING)
    expect(readPartialSuccess('traces', PROTOBUF, proto(ExportTraceServiceResponse, {}))).toEqual(NOTHING)
    expect(readPartialSuccess('logs', JSON_TYPE, new Uint8Array(0))).toEqual(NOTHING)
  })

  it('reads a negative rejected count as 0', () => {
    const body = proto(ExportTraceServiceResponse, { partialSuccess: { rejectedSpans: -5, errorMessage: 'odd' } })
    expect(readPartialSuccess('traces', PROTOBUF, body)).toEqual({ rejected: 0, message: 'odd' })
    expect(readPartialSuccess('traces', JSON_TYPE, json({ partialSuccess: { rejectedSpans: '-5' } }))).toEqual(NOTHING)
  })

  it('reads JSON bodies with counts as strings or numbers and keys in either spelling', () => {
    expect(readPartialSuccess('traces', 'application/json; charset=utf-8', json({ partialSuccess: { rejectedSpans: '7', errorMessage: 'x' } })))
      .toEqual({ rejected: 7, message: 'x' })
    expect(readPartialSuccess('traces', JSON_TYPE, json({ partial_success: { rejected_spans: 4 } }))).toEqual({ rejected: 4, message: '' })
    expect(readPartialSuccess('logs', JSON_TYPE, json({ partialSuccess: { rejectedLogRecords: '2', errorMessage: 'y' } })))
      .toEqual({ rejected: 2, message: 'y' })
    expect(readPartialSuccess('logs', JSON_TYPE, json({ partialSuccess: { rejectedSpans: '2' } }))).toEqual(NOTHING)
    expect(readPartialSuccess('traces', JSON_TYPE, json({ ok: 1 }))).toEqual(NOTHING)
  })

  it('cleans the message: control characters removed, whitespace folded, cut to the limit', () => {
    const hostile = `\u001b[31mred\u001b[0m\r\n\tnext\u202eline\u0000 ${'€'.repeat(500)}`
    const { message } = readPartialSuccess('traces', JSON_TYPE, json({ partialSuccess: { errorMessage: hostile } }))
    const kept = '[31mred[0m nextline '
    expect(message).toBe(`${kept}${'€'.repeat(MESSAGE_LIMIT - kept.length - 1)}…`)
    expect(message).toHaveLength(MESSAGE_LIMIT)
  })

  it.each([
    ['a truncated varint', [0x0a, 0x02, 0x08, 0x80]],
    ['a length past the end', [0x0a, 0x7f, 0x08, 0x01]],
    ['an inner length past its message', [0x0a, 0x03, 0x12, 0x10, 0x41]],
    ['a group wire type', [0x0b, 0x0a, 0x00]],
    ['an 11-byte varint', [0x08, ...new Array<number>(10).fill(0xff), 0x01]],
  ])('returns nothing for a protobuf body with %s', (_name, input) => {
    expect(readPartialSuccess('traces', PROTOBUF, Uint8Array.from(input))).toEqual(NOTHING)
  })

  it.each([
    ['truncated JSON', '{"partialSuccess":{"rejectedSpans":"3"'],
    ['JSON of another shape', '[1,2,3]'],
    ['a count that is not an integer', '{"partialSuccess":{"rejectedSpans":"3.5","errorMessage":7}}'],
    ['deeply nested JSON', '['.repeat(200_000)],
    ['not JSON at all', '<html>ok</html>'],
  ])('returns nothing for %s', (_name, body) => {
    expect(readPartialSuccess('traces', JSON_TYPE, text(body))).toEqual(NOTHING)
  })

  it('returns nothing for a body of another content type', () => {
    const body = proto(ExportTraceServiceResponse, { partialSuccess: { rejectedSpans: 3 } })
    expect(readPartialSuccess('traces', 'text/plain', body)).toEqual(NOTHING)
  })

  it('never throws on random bytes and always returns a clean count and message', () => {
    const seed = 0x0b5e55
    const random = prng(seed)
    const violations: string[] = []
    for (let i = 0; i < 3000; i++) {
      const body = seededBytes(seed + i, Math.floor(random() * 64))
      // Half of them start like a partial_success field, so the inner message is reached.
      if (i % 2 === 0 && body.length > 0) body[0] = 0x0a
      for (const type of [PROTOBUF, JSON_TYPE]) {
        const result = readPartialSuccess('traces', type, body)
        const clean = Number.isSafeInteger(result.rejected) && result.rejected >= 0 && result.message.length <= MESSAGE_LIMIT
          && !/[\p{Cc}\p{Cf}]/u.test(result.message)
        if (!clean) violations.push(`body ${i} as ${type}: ${JSON.stringify(result)}`)
      }
    }
    expect(violations, `seed ${seed}`).toEqual([])
  })
})

describe('readErrorMessage', () => {
  it('reads google.rpc.Status.message from a protobuf body', () => {
    const body = proto(RpcStatus, { code: 3, message: 'invalid span id', details: [{ typeUrl: 'type.googleapis.com/x', value: Buffer.from('zz') }] })
    expect(readErrorMessage(PROTOBUF, body)).toBe('invalid span id')
  })

  it('reads "message" from a JSON Status, and from an {"error": {...}} body', () => {
    expect(readErrorMessage(JSON_TYPE, json({ code: 8, message: 'rate limited', details: [] }))).toBe('rate limited')
    expect(readErrorMessage(JSON_TYPE, json({ error: { code: 400, message: 'bad payload' } }))).toBe('bad payload')
  })

  it('falls back to a cleaned excerpt of the body as text', () => {
    expect(readErrorMessage('text/html', text('<html>\n  <body>502 Bad Gateway</body>\n</html>'))).toBe('<html> <body>502 Bad Gateway</body> </html>')
    expect(readErrorMessage(JSON_TYPE, text('{"status":"down"}'))).toBe('{"status":"down"}')
    expect(readErrorMessage(PROTOBUF, text('upstream connect error'))).toBe('upstream connect error')
    expect(readErrorMessage('', text('plain\u0007 text'))).toBe('plain text')
  })

  it('cuts a long body to the limit without splitting a surrogate pair', () => {
    // 199 units before the ellipsis: 'a' and 99 pairs fit; without the 'a' the 100th pair would be cut in half.
    expect(readErrorMessage('text/plain', text(`a${'😀'.repeat(1000)}`))).toBe(`a${'😀'.repeat(99)}…`)
    expect(readErrorMessage('text/plain', text('😀'.repeat(1000)))).toBe(`${'😀'.repeat(99)}…`)
  })

  it('returns an empty string for an empty body', () => {
    expect(readErrorMessage(PROTOBUF, new Uint8Array(0))).toBe('')
    expect(readErrorMessage('text/plain', new Uint8Array(0))).toBe('')
  })

  it('never throws on random bytes and always returns a clean excerpt', () => {
    const seed = 0xe4404
    const violations: string[] = []
    for (let i = 0; i < 2000; i++) {
      const body = seededBytes(seed + i, 1 + (i % 300))
      for (const type of [PROTOBUF, JSON_TYPE, 'text/plain']) {
        const message = readErrorMessage(type, body)
        if (message.length > MESSAGE_LIMIT || /[\p{Cc}\p{Cf}\p{Cs}]/u.test(message)) violations.push(`body ${i} as ${type}: ${JSON.stringify(message)}`)
      }
    }
    expect(violations, `seed ${seed}`).toEqual([])
  })
})
