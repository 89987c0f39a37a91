// Chunk framing of trace files (docs/FORMAT.md section 3): encoding for the writers, and the
// header check the reader uses.

import { crc32 } from 'node:zlib'
import { CHUNK_HEADER_BYTES, CHUNK_TAG, FILE_MAGIC, FORMAT_VERSION, ChunkType } from './file-layout.js'
import { alignUp } from './layout.js'
import type { SPAN_CONTEXT, SpanKindName } from './span-records.js'

const textEncoder = new TextEncoder()

/** CRC of a chunk: bytes +4..+12 of its header, then the payload. */
export function chunkCrc(header: Uint8Array, payload: Uint8Array): number {
  return crc32(payload, crc32(header.subarray(4, 12)))
}

/**
 * Frames a chunk whose payload is already in place at `chunk[16 .. 16 + payloadLength]`: writes
 * the header (with the CRC) and zeroes the padding. Returns the chunk's total length.
 */
export function frameChunk(chunk: Uint8Array, type: ChunkType, payloadLength: number): number {
  const total = CHUNK_HEADER_BYTES + alignUp(payloadLength, 8)
  const view = new DataView(chunk.buffer, chunk.byteOffset, total)
  view.setUint32(0, CHUNK_TAG, true)
  view.setUint16(4, type, true)
  view.setUint16(6, 0, true)
  view.setUint32(8, payloadLength, true)
  view.setUint32(12, chunkCrc(chunk, chunk.subarray(CHUNK_HEADER_BYTES, CHUNK_HEADER_BYTES + payloadLength)), true)
  chunk.fill(0, CHUNK_HEADER_BYTES + payloadLength, total)
  return total
}

/** A complete chunk (header, payload, zero padding to 8) around `payload`. */
export function encodeChunk(type: ChunkType, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHUNK_HEADER_BYTES + alignUp(payload.length, 8))
  out.set(payload, CHUNK_HEADER_BYTES)
  frameChunk(out, type, payload.length)
  return out
}

export function encodeJsonChunk(type: ChunkType, value: unknown): Uint8Array {
  return encodeChunk(type, textEncoder.encode(JSON.stringify(value)))
}

export interface FileInfo {
  provider: string
  pid: number
  hostname: string
  /** Steady clock reading (ns, decimal) taken together with `wallNs`. */
  monoNs: string
  /** Unix epoch ns (decimal) at `monoNs`. */
  wallNs: string
  createdBy: string
}

export function encodeFileChunk(info: FileInfo): Uint8Array {
  const json = textEncoder.encode(JSON.stringify(info))
  const payload = new Uint8Array(16 + json.length)
  payload.set(FILE_MAGIC, 0)
  new DataView(payload.buffer).setUint32(8, FORMAT_VERSION, true)
  payload.set(json, 16)
  return encodeChunk(ChunkType.File, payload)
}

export interface StreamInfo {
  stream: number
  threadId: number
  threadName: string
  isMainThread: boolean
  /** Steady clock (ns, decimal) at which the stream's timestamps are 0. */
  originMonoNs: string
  ringBytes: number
  onFull: 'discard' | 'overwrite'
  backend: 'native' | 'js'
}

export interface SchemaInfo {
  stream: number
  id: number
  name: string
  level: number
  /** 64-bit keyword as a 0x-prefixed hex string. */
  keyword: string
  opcode: number
  clock: 'precise' | 'coarse'
  fields: { name: string; type: string }[]
  /** Present on span events (docs/FORMAT.md section 4). */
  span?: 'start' | 'stop'
  /** Present on span Starts: the OpenTelemetry span kind. */
  spanKind?: SpanKindName
  /** Present on correlated events: their first fields are the span context (docs/FORMAT.md section 4). */
  context?: typeof SPAN_CONTEXT
  /** Present on a logger's lines: the logger level (docs/FORMAT.md section 5). */
  log?: number
}
