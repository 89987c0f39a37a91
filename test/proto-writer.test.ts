import { describe, expect, it } from 'vitest'
import protobuf from 'protobufjs'
import { ProtoWriter } from '../src/export/protobuf/proto-writer.js'
import { prng } from './helpers/seeded-random.js'

// A message of every wire type the writer has, decoded by protobufjs from its own definition.
const root = protobuf.parse(`
syntax = "proto3";
message Inner { string text = 1; repeated Inner children = 2; bytes data = 3; }
message Outer {
  uint64 count = 1; int64 signed = 2; bool flag = 3; fixed64 time = 4; fixed32 small = 5;
  double ratio = 6; string name = 7; bytes blob = 8; repeated Inner inner = 9;
  repeated int64 many = 10; repeated bytes blobs = 11; repeated uint64 wide = 12;
}`).root
const Outer = root.lookupType('Outer')

interface InnerValue { text: string; children: InnerValue[]; data: Uint8Array }

function writeInner(w: ProtoWriter, field: number, value: InnerValue): void {
  const mark = w.begin(field)
  w.string(1, value.text)
  for (const child of value.children) writeInner(w, 2, child)
  w.bytesField(3, value.data)
  w.end(mark)
}

function decoded(bytes: Uint8Array): Record<string, unknown> {
  return Outer.toObject(Outer.decode(bytes), { longs: String, bytes: Array, defaults: true })
}

describe('ProtoWriter', () => {
  it('writes scalars that protobufjs decodes to the same values', () => {
    const w = new ProtoWriter(16)
    w.uint(1, 2 ** 53 - 1)
    w.int64(2, -5n)
    w.bool(3, true)
    w.fixed64(4, 1_733_000_000_123_456_789n)
    w.fixed32(5, 0xfedcba98)
    w.double(6, -0.25)
    w.string(7, 'héllo ✓ 𝄞')
    w.bytesField(8, new Uint8Array([0, 255, 7]))
    expect(decoded(w.finish())).toMatchObject({
      count: String(2 ** 53 - 1), signed: '-5', flag: true, time: '1733000000123456789', small: 0xfedcba98,
      ratio: -0.25, name: 'héllo ✓ 𝄞', blob: [0, 255, 7],
    })
  })

  it('writes nested messages and strings of every length class, growing from an empty buffer', () => {
    const random = prng(0x5eed)
    const make = (depth: number): InnerValue => ({
      text: 'x'.repeat(Math.floor(random() * (depth === 0 ? 40_000 : 300))),
      children: depth === 0 ? [] : Array.from({ length: 1 + Math.floor(random() * 3) }, () => make(depth - 1)),
      data: new Uint8Array(Math.floor(random() * 200)).map((_, i) => i),
    })
    const values = Array.from({ length: 4 }, () => make(3))
    const w = new ProtoWriter(0)
    w.string(7, 'é'.repeat(70))
    for (const value of values) writeInner(w, 9, value)
    const out = decoded(w.finish())
    const plain = (v: InnerValue): unknown => ({ text: v.text, children: v.children.map(plain), data: [...v.data] })
    expect(out.name).toBe('é'.repeat(70))
    expect(out.inner).toEqual(values.map(plain))
  })

  it('starts over after reset()', () => {
    const w = new ProtoWriter()
    w.string(7, 'first')
    w.reset()
    w.uint(1, 3)
    expect(decoded(w.finish())).toMatchObject({ count: '3', name: '' })
  })

  it('writes int64 fields from numbers and bigints across the fast paths\' limits', () => {
    const numbers = [0, 1, 127, 128, -1, -128, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 32), -(2 ** 32) - 1, -(2 ** 53) + 1, 2 ** 53 - 1]
    const bigints = [0n, -1n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]
    const w = new ProtoWriter(8)
    for (const n of numbers) w.int(10, n)
    for (const b of bigints) w.int64(10, b)
    expect(decoded(w.finish()).many).toEqual([...numbers.map(String), ...bigints.map(String)])
  })

  it('writes uint64 fields from bigints over the whole range, as its 32-bit halves', () => {
    const values = [0n, 1n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 35n + 5n, 1_700_000_000_123_456_789n, 2n ** 63n, 2n ** 64n - 1n]
    const w = new ProtoWriter(8)
    for (const v of values) w.uint64(12, v)
    expect(decoded(w.finish()).wide).toEqual(values.map(String))
  })

  it('writes strings as TextEncoder does on both sides of the short-string copy, a lone surrogate as U+FFFD', () => {
    const strings = ['', 'a', 'héllo € 😀 日本', '\ud800', 'a\udc00b', 'end \ud83d', '😀'.repeat(32), 'é'.repeat(64), 'x'.repeat(65), `${'€'.repeat(70)}\ud800`]
    const w = new ProtoWriter(8)
    for (const text of strings) w.string(11, text)
    const utf8 = new TextEncoder()
    expect(decoded(w.finish()).blobs).toEqual(strings.map((text) => [...utf8.encode(text)]))
  })

  it('copies byte fields on both sides of the short copy', () => {
    const blobs = [0, 1, 8, 16, 64, 65, 300].map((length) => Uint8Array.from({ length }, (_, i) => (i * 13 + length) & 0xff))
    const w = new ProtoWriter(8)
    for (const blob of blobs) w.bytesField(11, blob)
    expect(decoded(w.finish()).blobs).toEqual(blobs.map((blob) => [...blob]))
  })
})
