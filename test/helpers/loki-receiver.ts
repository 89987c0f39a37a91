// A Loki push endpoint for tests: a real HTTP server on 127.0.0.1 that decodes push bodies
// independently of ringtrace's encoders (protobuf with protobufjs from the definition below, after
// snappy block decompression by the native `snappy` package; JSON with JSON.parse; label text with
// a strict parser of Go's quoting) and that treats each stream as Loki with unordered_writes off
// does: an entry older than the stream's newest is refused with 400 "entry out of order", and one
// equal in time and line to the stream's last entry is dropped silently (counted here).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import protobuf from 'protobufjs'
import { uncompressSync } from 'snappy'

const PUSH_PROTO = `
syntax = "proto3";
package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
message LabelPairAdapter { string name = 1; string value = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`
const PushRequest = protobuf.parse(PUSH_PROTO).root.lookupType('logproto.PushRequest')

export interface ReceivedEntry {
  timeNs: bigint
  line: string
  metadata: Record<string, string>
}

export interface ReceivedStream {
  labels: Record<string, string>
  entries: ReceivedEntry[]
}

export interface ReceivedPush {
  contentType: string | undefined
  contentEncoding: string | undefined
  tenant: string | undefined
  headers: IncomingMessage['headers']
  streams: ReceivedStream[]
}

export interface LokiReceiver {
  /** The base URL (http://127.0.0.1:<port>); pushes go to its /loki/api/v1/push. */
  readonly url: string
  /** Every push that decoded, accepted or not, in arrival order. */
  readonly pushes: ReceivedPush[]
  /** The 400 answers' bodies. */
  readonly rejections: string[]
  /** Entries dropped as duplicates of their stream's last entry. */
  readonly duplicates: number
  close(): Promise<void>
}

const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y

/** Parses `{a="x", b="y"}` as Loki does (Prometheus metric syntax, Go-quoted values); throws on anything else. */
export function parseLabelText(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let at = 0
  const skipSpaces = (): void => {
    while (text[at] === ' ') at++
  }
  const expect = (char: string): void => {
    if (text[at] !== char) throw new Error(`expected ${char} at ${at} in ${text}`)
    at++
  }
  expect('{')
  skipSpaces()
  if (text[at] === '}') at++
  else {
    for (;;) {
      LABEL_NAME.lastIndex = at
      const name = LABEL_NAME.exec(text)?.[0]
      if (name === undefined) throw new Error(`expected a label name at ${at} in ${text}`)
      at += name.length
      skipSpaces()
      expect('=')
      skipSpaces()
      const [value, next] = unquoteGo(text, at)
      if (Object.hasOwn(labels, name)) throw new Error(`duplicate label name ${name}`)
      labels[name] = value
      at = next
      skipSpaces()
      if (text[at] === ',') {
        at++
        skipSpaces()
        continue
      }
      expect('}')
      break
    }
  }
  if (at !== text.length) throw new Error(`trailing text after labels: ${text.slice(at)}`)
  return labels
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' }

/** A Go double-quoted string literal at `start`, as strconv.Unquote reads it (ASCII \x and octal only); returns it and the index after it. */
function unquoteGo(text: string, start: number): [string, number] {
  if (text[start] !== '"') throw new Error(`expected a quoted value at ${start} in ${text}`)
  let value = ''
  let at = start + 1
  for (;;) {
    const char = text[at]
    if (char === undefined) throw new Error(`unterminated string in ${text}`)
    if (char === '"') return [value, at + 1]
    if (char === '\n') throw new Error(`raw newline in a quoted value in ${JSON.stringify(text)}`)
    if (char !== '\\') {
      value += char
      at++
      continue
    }
    const escape = text[at + 1]
    if (escape === undefined) throw new Error(`unterminated string in ${text}`)
    if (Object.hasOwn(SIMPLE_ESCAPES, escape)) {
      value += SIMPLE_ESCAPES[escape]
      at += 2
      continue
    }
    const octal = escape >= '0' && escape <= '7'
    const digits = escape === 'x' ? 2 : escape === 'u' ? 4 : escape === 'U' ? 8 : octal ? 3 : 0
    if (digits === 0) throw new Error(`invalid escape \\${escape} in ${JSON.stringify(text)}`)
    const from = octal ? at + 1 : at + 2
    const code = Number.parseInt(text.slice(from, from + digits), octal ? 8 : 16)
    const bytesEscape = escape === 'x' || octal
    if (Number.isNaN(code) || (bytesEscape && code > 0x7f) || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) {
      throw new Error(`escape not valid in Go at ${at} in ${JSON.stringify(text)}`)
    }
    value += String.fromCodePoint(code)
    at = from + digits
  }
}

interface ProtoPush {
  streams?: { labels?: string; entries?: { timestamp?: { seconds?: string; nanos?: number }; line?: string; structuredMetadata?: { name?: string; value?: string }[] }[] }[]
}

function decodeProtobuf(body: Buffer): ReceivedStream[] {
  const raw = uncompressSync(body, { asBuffer: true }) as Buffer
  const message = PushRequest.toObject(PushRequest.decode(raw), { longs: String, defaults: true }) as ProtoPush
  return (message.streams ?? []).map((stream) => ({
    labels: parseLabelText(stream.labels ?? ''),
    entries: (stream.entries ?? []).map((entry) => ({
      timeNs: BigInt(entry.timestamp?.seconds ?? '0') * 1_000_000_000n + BigInt(entry.timestamp?.nanos ?? 0),
      line: entry.line ?? '',
      metadata: Object.fromEntries((entry.structuredMetadata ?? []).map((p) => [p.name ?? '', p.value ?? ''])),
    })),
  }))
}

function stringRecord(value: unknown, what: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} must be an object`)
  for (const v of Object.values(value)) if (typeof v !== 'string') throw new Error(`${what} values must be strings`)
  return value as Record<string, string>
}

function decodeJson(body: Buffer): ReceivedStream[] {
  const message = JSON.parse(body.toString('utf8')) as { streams?: unknown }
  if (!Array.isArray(message.streams)) throw new Error('streams must be an array')
  return message.streams.map((stream: { stream?: unknown; values?: unknown }) => {
    const labels = stringRecord(stream.stream, 'stream')
    for (const name of Object.keys(labels)) if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new Error(`invalid label name ${name}`)
    if (!Array.isArray(stream.values)) throw new Error('values must be an array')
    return {
      labels,
      entries: stream.values.map((value: unknown) => {
        if (!Array.isArray(value) || value.length < 2 || value.length > 3 || typeof value[0] !== 'string' || !/^\d+$/.test(value[0]) || typeof value[1] !== 'string') {
          throw new Error(`an entry must be ["<ns>", "<line>", {metadata}?], got ${JSON.stringify(value)}`)
        }
        return { timeNs: BigInt(value[0]), line: value[1], metadata: value.length === 3 ? stringRecord(value[2], 'structured metadata') : {} }
      }),
    }
  })
}

/** A push body's streams, decoded as the receiver decodes them (`contentType` picks JSON or protobuf). */
export function decodePushBody(body: Uint8Array, contentType: string | undefined): ReceivedStream[] {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return contentType?.split(';')[0] === 'application/json' ? decodeJson(buffer) : decodeProtobuf(buffer)
}

function streamKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))
}

/** Starts the receiver on 127.0.0.1, port 0. */
export async function startLokiReceiver(): Promise<LokiReceiver> {
  const pushes: ReceivedPush[] = []
  const rejections: string[] = []
  const last = new Map<string, { timeNs: bigint; line: string }>()
  let duplicates = 0

  const handle = (request: IncomingMessage, response: ServerResponse, body: Buffer): void => {
    if (request.method !== 'POST' || request.url?.split('?')[0] !== '/loki/api/v1/push') {
      response.writeHead(404).end('404 page not found')
      return
    }
    const contentType = request.headers['content-type']
    const contentEncoding = request.headers['content-encoding']
    let streams: ReceivedStream[]
    try {
      streams = decodePushBody(contentEncoding === 'gzip' ? gunzipSync(body) : body, contentType)
    } catch (error) {
      response.writeHead(400).end(`loghttp: ${(error as Error).message}`)
      return
    }
    const tenant = request.headers['x-scope-orgid']
    pushes.push({ contentType, contentEncoding, tenant: Array.isArray(tenant) ? tenant.join(',') : tenant, headers: request.headers, streams })
    const refused: string[] = []
    for (const stream of streams) {
      const key = streamKey(stream.labels)
      for (const entry of stream.entries) {
        const previous = last.get(key)
        if (previous !== undefined && entry.timeNs < previous.timeNs) {
          refused.push(`entry with timestamp ${entry.timeNs} ignored, reason: 'entry out of order' for stream: ${key}`)
          continue
        }
        if (previous !== undefined && entry.timeNs === previous.timeNs && entry.line === previous.line) {
          duplicates++
          continue
        }
        last.set(key, { timeNs: entry.timeNs, line: entry.line })
      }
    }
    if (refused.length > 0) {
      const text = `${refused.join(',\n')}\ntotal ignored: ${refused.length}`
      rejections.push(text)
      response.writeHead(400).end(text)
      return
    }
    response.writeHead(204).end()
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => handle(request, response, Buffer.concat(chunks)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    pushes,
    rejections,
    get duplicates() {
      return duplicates
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections()
      server.close((error) => (error ? reject(error) : resolve()))
    }),
  }
}
