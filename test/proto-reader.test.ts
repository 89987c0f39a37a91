import { describe, expect, it } from 'vitest'
import { ProtoReader, ProtoReadError } from '../src/export/protobuf/proto-reader.js'
import { ProtoWriter } from '../src/export/protobuf/proto-writer.js'
import { WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from '../src/export/protobuf/wire-types.js'

/** Every field of `bytes` as [field, wire, value] (value: a varint's number, a string, or undefined when skipped). */
function fields(bytes: Uint8Array): [number, number, number | string | undefined][] {
  const reader = new ProtoReader(bytes)
  const out: [number, number, number | string | undefined][] = []
  while (!reader.done) {
    const { field, wire } = reader.tag()
    if (wire === WIRE_VARINT) out.push([field, wire, reader.varint()])
    else if (wire === WIRE_LENGTH && field === 7) out.push([field, wire, reader.string()])
    else {
      reader.skip(wire)
      out.push([field, wire, undefined])
    }
  }
  return out
}

describe('ProtoReader', () => {
  it('reads back the varints the writer writes, of every length', () => {
    const values = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1]
    const w = new ProtoWriter()
    for (const value of values) w.uint(1, value)
    w.int(2, -1)
    expect(fields(w.finish())).toEqual([...values.map((value) => [1, WIRE_VARINT, value]), [2, WIRE_VARINT, 2 ** 64]])
  })

  it('skips fields of every wire type the writer writes and reads strings as UTF-8', () => {
    const w = new ProtoWriter()
    w.fixed64(3, 5n)
    w.fixed32(4, 6)
    w.double(5, 0.5)
    w.bytesField(6, new Uint8Array(300))
    w.string(7, 'héllo 😀')
    const mark = w.begin(536_870_911)
    w.uint(1, 9)
    w.end(mark)
    expect(fields(w.finish())).toEqual([
      [3, WIRE_FIXED64, undefined], [4, WIRE_FIXED32, undefined], [5, WIRE_FIXED64, undefined],
      [6, WIRE_LENGTH, undefined], [7, WIRE_LENGTH, 'héllo 😀'], [536_870_911, WIRE_LENGTH, undefined],
    ])
  })

  it('reads an embedded message as a reader that ends where the message ends', () => {
    const w = new ProtoWriter()
    const mark = w.begin(1)
    w.uint(1, 42)
    w.end(mark)
    w.uint(2, 7)
    const reader = new ProtoReader(w.finish())
    expect(reader.tag()).toEqual({ field: 1, wire: WIRE_LENGTH })
    const inner = reader.message()
    expect([inner.tag(), inner.varint(), inner.done]).toEqual([{ field: 1, wire: WIRE_VARINT }, 42, true])
    expect([reader.tag(), reader.varint(), reader.done]).toEqual([{ field: 2, wire: WIRE_VARINT }, 7, true])
  })

  it.each([
    ['a varint cut short', [0x08, 0x80, 0x80]],
    ['a varint of 11 bytes', [0x08, ...new Array<number>(10).fill(0xff), 0x01]],
    ['a length past the end', [0x0a, 0x05, 0x01, 0x02]],
    ['a length of 2^63', [0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
    ['a fixed64 cut short', [0x09, 1, 2, 3]],
    ['a fixed32 cut short', [0x0d, 1, 2]],
    ['a group start (wire type 3)', [0x0b]],
    ['a group end (wire type 4)', [0x0c]],
    ['wire type 6', [0x0e]],
    ['wire type 7', [0x0f]],
    ['field number 0', [0x00, 0x01]],
  ])('throws ProtoReadError on %s, never reading past the end', (_name, input) => {
    const reader = new ProtoReader(Uint8Array.from(input))
    expect(() => {
      while (!reader.done) reader.skip(reader.tag().wire)
    }).toThrow(ProtoReadError)
  })

  it('keeps a nested reader inside its message when a length inside it points further', () => {
    // An embedded message of 2 bytes whose only field claims 5 bytes of the 7 that follow it.
    const input = Uint8Array.from([0x0a, 0x02, 0x0a, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07])
    const reader = new ProtoReader(input)
    reader.tag()
    const inner = reader.message()
    inner.tag()
    expect(() => inner.skip(WIRE_LENGTH)).toThrow(ProtoReadError)
  })
})
