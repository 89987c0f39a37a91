// Seeded mutations of a valid trace, many of them with the chunk CRC recomputed so that they pass
// the framing check, run through the reader, the summarizer and every CLI command that reads a
// trace file. Deterministic: a fixed seed list, a fixed number of files, no time limit.
// A failure names the seed and the mutation; FUZZ_SEED=<seed> reruns that one file.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/run.js'
import { chunkCrc, encodeChunk } from '../src/format/chunk.js'
import type { FieldTypeName } from '../src/format/field-types.js'
import { ChunkType } from '../src/format/file-layout.js'
import { readTrace, summarizeTracePrefix, TraceFileError } from '../src/reader/index.js'
import { TraceBuilder, concat, eventRecord, lostRecord, paddingRecord } from './fixtures/trace-builder.js'
import { Capture } from './helpers/capture.js'

const FILES = 200
const FIRST_SEED = 0x5eed0000

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-fuzz-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** mulberry32: small, seedable, good enough to pick mutations. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32
  }
}

type Rng = () => number
const below = (rng: Rng, n: number): number => Math.floor(rng() * n)
const pick = <T>(rng: Rng, list: readonly T[]): T => list[below(rng, list.length)]!

const ALL: [string, FieldTypeName][] = [
  ['b', 'bool'], ['i8', 'i8'], ['u16', 'u16'], ['i32', 'i32'], ['u64', 'u64'], ['f32', 'f32'], ['f64', 'f64'],
  ['g', 'guid'], ['s', 'str'], ['bin', 'binary'], ['ai64', 'i64[]'], ['af64', 'f64[]'], ['au8', 'u8[]'],
]
const START: [string, FieldTypeName][] = [['activityId', 'guid'], ['parentId', 'guid'], ['traceId', 'guid'], ['route', 'str'], ['n', 'u32']]
const STOP: [string, FieldTypeName][] = [['activityId', 'guid'], ['status', 'u8'], ['errorType', 'str'], ['errorMessage', 'str']]
const types = (fields: [string, FieldTypeName][]): FieldTypeName[] => fields.map(([, type]) => type)

const ROOT = '11111111-0000-0000-aaaa-bbbbbbbbbbbb'
const CHILD = '22222222-0000-0000-aaaa-bbbbbbbbbbbb'
const TRACE = 'aaaabbbb-bbbb-bbbb-cccc-cccccccccccc'
const ZERO = '00000000-0000-0000-0000-000000000000'

/** Two streams: every field type, spans (one nested, one unterminated), LOST records, a LOSS gap, padding, END. */
function baseTrace(): TraceBuilder {
  const all = (seq: number, timestamp: number): Uint8Array => eventRecord(1, types(ALL), {
    seq, timestamp, truncated: [8],
    values: [true, -5, 65535, -7, 2n ** 64n - 1n, 0.5, NaN, ROOT, 'héllo', Uint8Array.of(1, 2, 3), [-1n, 2n], [Infinity, -0], [1, 2]],
  })
  const start = (seq: number, timestamp: number, id: string, parent: string): Uint8Array =>
    eventRecord(2, types(START), { seq, timestamp, values: [id, parent, TRACE, '/a', seq] })
  const stop = (seq: number, timestamp: number, id: string, status: number): Uint8Array =>
    eventRecord(3, types(STOP), { seq, timestamp, values: [id, status, status === 2 ? 'Error' : '', status === 2 ? 'boom' : ''] })
  return new TraceBuilder()
    .stream(1, { threadName: 'main', threadId: 0, isMainThread: true })
    .schema(1, 1, 'all', ALL, { keyword: '0x10' })
    .schema(1, 2, 'req', START, { opcode: 1, span: 'start' })
    .schema(1, 3, 'req', STOP, { opcode: 2, span: 'stop' })
    .events(1, all(0, 1), start(1, 2, ROOT, ZERO), start(2, 3, CHILD, ROOT), paddingRecord(24),
      lostRecord({ timestamp: 3.5, ringFull: 2, invalid: 1, pairs: [[1, 3]] }), stop(3, 4, CHILD, 2), stop(4, 5, ROOT, 1))
    .stream(2, { threadName: 'worker', threadId: 7, isMainThread: false, onFull: 'overwrite' })
    .schema(2, 1, 'tick', [['n', 'u32']])
    .schema(2, 2, 'job', START, { opcode: 1, span: 'start' })
    .events(2, eventRecord(1, ['u32'], { seq: 0, timestamp: 1, values: [1] }))
    .loss(2, 2)
    .events(2, eventRecord(1, ['u32'], { seq: 3, timestamp: 6, values: [3] }), start(4, 7, CHILD, ZERO))
    .end(1, 8, 2, 1)
    .end(2, 5)
}

/** The chunks of a file as separate byte arrays. */
function chunksOf(b: TraceBuilder): Uint8Array[] {
  const bytes = b.bytes()
  return b.offsets.map((at, i) => bytes.slice(at, b.offsets[i + 1] ?? bytes.length))
}

/** Recomputes a chunk's CRC over its header and payload as they now are: the mutation passes framing. */
function fixCrc(chunk: Uint8Array): void {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.length)
  const length = view.getUint32(8, true)
  view.setUint32(12, chunkCrc(chunk.subarray(0, 16), chunk.subarray(16, 16 + length)), true)
}

const chunkType = (chunk: Uint8Array): number => new DataView(chunk.buffer, chunk.byteOffset).getUint16(4, true)

const HOSTILE_JSON: unknown[] = [
  'x', '', -1, 1.5, 1e300, -0, 2 ** 32, 2 ** 53 + 2, null, true, {}, [], [1], '9'.repeat(30), '-5', '1e3', '0x10',
  'constructor', '__proto__', 'toString', '\u0000\u001b[31m\n', '</script><script>alert(1)</script>', "'); process.exit(7); //",
]
const HOSTILE_U32 = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0xffffffff, 0xfffe0001, 0x00010001]
const HOSTILE_F64 = [1e308, -1e308, 9.2e15, -9.2e15, 8.64e15, NaN, Infinity, -Infinity, -1, 0.5, 2 ** 53, 2 ** 60, -0, 5e-324]

/** Replaces (or deletes) one value of a JSON chunk's payload and frames the chunk again. */
function mutateJson(rng: Rng, chunk: Uint8Array): [Uint8Array, string] | undefined {
  const type = chunkType(chunk)
  const length = new DataView(chunk.buffer, chunk.byteOffset).getUint32(8, true)
  const skip = type === ChunkType.File ? 16 : 0
  const payload = chunk.subarray(16, 16 + length)
  let json: Record<string, unknown>
  try {
    json = JSON.parse(Buffer.from(payload.subarray(skip)).toString('utf8')) as Record<string, unknown>
  } catch {
    // An earlier round damaged it.
    return undefined
  }
  if (typeof json !== 'object' || json === null) return undefined
  let target: Record<string, unknown> = json
  let path = ''
  if (Array.isArray(json.fields) && json.fields.length > 0 && rng() < 0.4) {
    const i = below(rng, json.fields.length)
    target = json.fields[i] as Record<string, unknown>
    path = `fields[${i}].`
  }
  const key = pick(rng, Object.keys(target))
  const value = rng() < 0.1 ? undefined : pick(rng, HOSTILE_JSON)
  if (value === undefined) delete target[key]
  else target[key] = value
  const text = new TextEncoder().encode(JSON.stringify(json))
  const out = concat([payload.subarray(0, skip), text])
  return [encodeChunk(type as ChunkType, out), `${ChunkTypeName[type]} ${path}${key} = ${value === undefined ? '(deleted)' : JSON.stringify(value)}`]
}

const ChunkTypeName: Record<number, string> = Object.fromEntries(Object.entries(ChunkType).map(([name, type]) => [type, name.toUpperCase()]))

/** A random write of a hostile value into a chunk's payload, CRC recomputed. */
function mutateBinary(rng: Rng, chunk: Uint8Array): string {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.length)
  const length = view.getUint32(8, true)
  if (length < 8) return 'nothing (payload too short)'
  const kind = below(rng, 3)
  let what: string
  if (kind === 0) {
    const at = 16 + 8 * below(rng, Math.floor(length / 8))
    const value = pick(rng, HOSTILE_F64)
    view.setFloat64(at, value, true)
    what = `f64 ${value} at +${at}`
  } else if (kind === 1) {
    const at = 16 + 4 * below(rng, Math.floor(length / 4))
    const value = pick(rng, HOSTILE_U32)
    view.setUint32(at, value, true)
    what = `u32 ${value} at +${at}`
  } else {
    const at = 16 + below(rng, length)
    const value = below(rng, 256)
    chunk[at] = value
    what = `byte ${value} at +${at}`
  }
  fixCrc(chunk)
  return `${what}, CRC fixed`
}

/** One mutated file from `seed`, and what was done to it. */
function mutatedFile(seed: number): { bytes: Uint8Array; mutation: string } {
  const rng = random(seed)
  const chunks = chunksOf(baseTrace())
  const done: string[] = []
  const rounds = 1 + below(rng, 3)
  for (let round = 0; round < rounds; round++) {
    const i = below(rng, chunks.length)
    const chunk = chunks[i]!
    const type = chunkType(chunk)
    const roll = rng()
    const json = roll < 0.3 && (type === ChunkType.File || type === ChunkType.Stream || type === ChunkType.Schema)
      ? mutateJson(rng, chunk)
      : undefined
    if (json !== undefined) {
      chunks[i] = json[0]
      done.push(`chunk ${i}: ${json[1]}`)
    } else if (roll < 0.75) {
      done.push(`chunk ${i} (${ChunkTypeName[type]}): ${mutateBinary(rng, chunk)}`)
    } else if (roll < 0.83) {
      const at = below(rng, chunk.length)
      chunk[at] ^= 1 << below(rng, 8)
      done.push(`chunk ${i}: bit flip at +${at}, CRC not fixed`)
    } else if (roll < 0.9) {
      const j = below(rng, chunks.length)
      ;[chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!]
      done.push(`chunks ${i} and ${j} swapped`)
    } else if (roll < 0.95) {
      chunks.splice(i, 0, chunk.slice())
      done.push(`chunk ${i} repeated`)
    } else {
      chunks.splice(i, 1)
      done.push(`chunk ${i} removed`)
    }
  }
  let bytes = concat(chunks)
  if (rng() < 0.1) {
    const cut = below(rng, bytes.length)
    bytes = bytes.subarray(0, cut)
    done.push(`cut at ${cut}`)
  }
  return { bytes, mutation: done.join('; ') }
}

/** What a terminal would obey rather than print, but the line break. */
const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

interface Verdict {
  items: number
  code?: string
  error?: string
}

async function readVerdict(path: string): Promise<Verdict> {
  let items = 0
  try {
    for await (const _ of readTrace(path)) items++
  } catch (error) {
    if (!(error instanceof TraceFileError)) throw error
    return { items, code: error.code, error: error.message }
  }
  return { items }
}

/** JSON text with no NaN, Infinity (JSON.parse refuses them) and no null (what JSON.stringify makes of them). */
function parsesClean(text: string, what: string): unknown {
  const value = JSON.parse(text) as unknown
  const nulls: string[] = []
  const walk = (v: unknown, path: string): void => {
    if (v === null) nulls.push(path)
    else if (typeof v === 'object') for (const [k, child] of Object.entries(v)) walk(child, `${path}.${k}`)
  }
  walk(value, what)
  expect(nulls).toEqual([])
  return value
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await runCli(argv, { stdout, stderr })
  return { code, out: stdout.text, err: stderr.text }
}

/** Runs every reading command on `path`; each must agree with `verdict` and write valid output. */
async function checkCommands(path: string, verdict: Verdict): Promise<void> {
  const html = `${path}.html`
  const expected = verdict.error === undefined ? { code: 0, err: '' } : { code: 1, err: `${verdict.error}\n` }
  const commands = [
    ['stats', path], ['stats', path, '--json'], ['export', path, '--format', 'ndjson'], ['export', path, '--format', 'chrome'],
    ['view', path], ['view', path, '--html', html],
  ]
  for (const argv of commands) {
    const { code, out, err } = await run(argv)
    expect({ argv, code, err }).toEqual({ argv, ...expected })
    const format = argv.slice(2).join(' ')
    if (format === '--json') parsesClean(out, 'stats')
    if (format === '--format ndjson') {
      const lines = out === '' ? [] : out.replace(/\n$/, '').split('\n')
      lines.forEach((line, i) => parsesClean(line, `line ${i + 1}`))
      expect(lines.length).toBe(verdict.items)
    }
    if (format === '--format chrome') parsesClean(out, 'chrome')
    if (format === '') {
      // Terminal text: names from the file cannot smuggle in escapes or line breaks.
      expect({ argv, unprintable: out.match(UNPRINTABLE) })
        .toEqual({ argv, unprintable: null })
      if (argv[0] === 'stats') expect(out).not.toMatch(/NaN|Infinity|Invalid Date/)
    }
    if (format.startsWith('--html')) expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/)
  }
  if (existsSync(html)) rmSync(html)
}

/** The verdict's error code, or 'clean'. */
async function fuzzOne(seed: number): Promise<string> {
  const { bytes, mutation } = mutatedFile(seed)
  const path = join(dir, `f${seed.toString(16)}.rtrc`)
  const context = `seed 0x${seed.toString(16)} (FUZZ_SEED=${seed}): ${mutation}`
  try {
    writeFileSync(path, bytes)
    const verdict = await readVerdict(path)
    const { error: summaryError } = await summarizeTracePrefix(path)
    expect({ summarizeTrace: summaryError?.message }).toEqual({ summarizeTrace: verdict.error })
    expect({ unprintable: verdict.error?.match(UNPRINTABLE) ?? null }).toEqual({ unprintable: null })
    await checkCommands(path, verdict)
    return verdict.code ?? 'clean'
  } catch (error) {
    if (error instanceof Error) error.message = `${context}\n${error.message}`
    throw error
  } finally {
    rmSync(path, { force: true })
  }
}

describe('hostile trace files (seeded fuzz)', () => {
  it('start from a base file every command reads cleanly', async () => {
    const path = baseTrace().write(dir, 'base.rtrc')
    const verdict = await readVerdict(path)
    expect(verdict).toEqual({ items: 10 })
    await checkCommands(path, verdict)
    expect(JSON.parse((await run(['stats', path, '--json'])).out)).toMatchObject({ accounting: 'balanced', events: 8, lost: 5 })
  })

  it(`gives one verdict per file across readTrace, summarizeTrace and every command, and only valid output, for ${FILES} mutated files`, async () => {
    const only = process.env.FUZZ_SEED
    const seeds = only === undefined ? Array.from({ length: FILES }, (_, i) => FIRST_SEED + i) : [Number(only)]
    const verdicts = new Map<string, number>()
    for (const seed of seeds) {
      const code = await fuzzOne(seed)
      verdicts.set(code, (verdicts.get(code) ?? 0) + 1)
    }
    if (only !== undefined) return
    // The CRC-fixed mutations get past framing: files are read cleanly, and refused by the checks
    // behind it, not only by the CRC.
    expect([...verdicts.keys()].sort()).toEqual(expect.arrayContaining(['BAD_CRC', 'BAD_METADATA', 'BAD_RECORD', 'BAD_SCHEMA', 'clean']))
  }, 60_000)
})
