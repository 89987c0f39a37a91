// The C++ producer (native/ring/ring_producer.h), which the native tests, the fuzz test and the
// ThreadSanitizer runs exercise, against the JS producer that ships (src/ring/ring-producer.ts
// and its generated writers): one seeded script of writes of every size, drops, consumer steps,
// turn ends and clock changes runs through both, and after every step the ring bytes and the
// producer's control-block fields must be identical. The C++ side is native/test/ring_replay.cc
// (its header describes the script); RINGTRACE_RING_REPLAY names a ring_replay already built
// (scripts/test-native.sh passes its sanitizer builds), else it is built here.

import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { COARSE_CLOCK_OFFSET, CURSOR_OFFSET, DATA_OFFSET, INVALID_OFFSET, READ_POS_OFFSET,
  RING_FULL_OFFSET, SEQ_STATE_OFFSET, TAIL_POS_OFFSET, WRITE_POS_OFFSET } from '../src/format/ring-layout.js'
import { LOST_ID, LOST_MAX_PAIRS, LOST_PAIRS_OFFSET, MAX_STRING_BYTES, recordWord0 } from '../src/format/record-layout.js'
import { RingProducer } from '../src/ring/ring-producer.js'
import { createRecordWriter, type Clock, type RecordWriter } from '../src/ring/writer-codegen.js'

const ROOT = join(__dirname, '..')
const SEQ = SEQ_STATE_OFFSET >> 2
const INVALID = INVALID_OFFSET >> 3
const RING_FULL = RING_FULL_OFFSET >> 3
const BASE_SEED = Number(process.env.RINGTRACE_REPLAY_SEED ?? 20261202)

// The producer's cache line, as the replay prints it (16 u32 words).
const FIELD_NAMES = ['writePos', 'tailPos', 'cursor', 'limit', 'seq', 'sincePublish',
  'ringFull.lo', 'ringFull.hi', 'invalid.lo', 'invalid.hi', 'lastTime.lo', 'lastTime.hi',
  'pendingFull.lo', 'pendingFull.hi', 'pendingInvalid.lo', 'pendingInvalid.hi', 'readPos']

interface Config {
  name: string
  capacity: number
  overwrite: boolean
  start: number
  steps: number
}

const CONFIGS: readonly Config[] = [
  { name: 'discard, 4 KiB', capacity: 4096, overwrite: false, start: 0, steps: 4000 },
  { name: 'overwrite, 4 KiB', capacity: 4096, overwrite: true, start: 0, steps: 4000 },
  // Positions are u32: start near 2^32, so they wrap during the run.
  { name: 'discard, 8 KiB, positions wrap', capacity: 8192, overwrite: false, start: 2 ** 32 - 3 * 8192 + 1000, steps: 3000 },
  { name: 'overwrite, 8 KiB, positions wrap', capacity: 8192, overwrite: true, start: 2 ** 32 - 3 * 8192 + 1000, steps: 3000 },
  // Records up to the 64 KiB maximum.
  { name: 'discard, 256 KiB', capacity: 256 * 1024, overwrite: false, start: 0, steps: 800 },
  { name: 'overwrite, 256 KiB', capacity: 256 * 1024, overwrite: true, start: 0, steps: 800 },
]

/** xorshift32: the script generator's only source of randomness, so a seed is a script. */
function rng(seed: number): (n: number) => number {
  let x = (seed >>> 0) || 1
  return (n) => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) % n
  }
}

/** Ids 4, 8, ... are records of header only; the others carry one str field. */
const headerOnly = (id: number): boolean => id % 4 === 0

function makeScript(config: Config, seed: number): string[] {
  const random = rng(seed)
  const maxRecord = Math.min(64 * 1024, config.capacity / 2)
  const lines = [`ring ${config.capacity} ${config.overwrite ? 1 : 0} ${config.start}`]
  let time = 1
  let phase = 0
  const strLength = (): number => {
    const r = random(100)
    const units = r < 70 ? random(16) // small
      : r < 88 ? random(config.capacity / 64) // medium
        : r < 95 ? maxRecord / 8 - 3 - random(4) // at or near the largest record
          : maxRecord / 8 - 2 + random(Math.min(config.capacity, 64 * 1024) / 8) // oversize
    return 8 * Math.min(units, Math.floor(MAX_STRING_BYTES / 8))
  }
  for (let step = 0; step < config.steps; step++) {
    // The consumer runs in phases: keeping up, slow, stalled (the ring fills).
    if (step % 150 === 0) phase = random(3)
    const r = random(100)
    if (r < 60) {
      // 60 ids, so that more than LOST_MAX_PAIRS distinct ids drop between two LOST records.
      const id = random(50) === 0 ? 4095 : 1 + random(60)
      const clock = random(5) === 0 ? 'c' : 'p'
      time += 0.125 * (1 + random(8))
      lines.push(`e ${id} ${clock} ${time} ${headerOnly(id) ? -1 : strLength()} ${random(26)}`)
    } else if (r < 66) {
      let id = 1 + random(60)
      if (headerOnly(id)) id++
      lines.push(`i ${id}`)
    } else if (r < 86) {
      const take = phase === 0 ? 1 + random(40) : phase === 1 ? random(3) : 0
      lines.push(`c ${take}`)
    } else if (r < 97) {
      lines.push('t')
    } else {
      // Behind lastTime now and then, so that the writers' max(coarse, lastTime) matters.
      lines.push(`k ${Math.max(0, time - 0.125 * random(16))}`)
    }
  }
  return lines
}

interface Coverage {
  written: number
  droppedFull: number
  droppedInvalid: number
  droppedOversize: number
  lostRecords: number
  lostRecordsWithMaxPairs: number
  paddings: number
  tailMoves: number
  positionWraps: number
}

/** The JS side of the replay: the same lines the C++ one prints, and what the script exercised. */
async function replayInJs(config: Config, lines: readonly string[]): Promise<{ out: string[]; coverage: Coverage }> {
  const { capacity, overwrite, start } = config
  const mask = capacity - 1
  const buffer = new ArrayBuffer(DATA_OFFSET + capacity)
  const u32 = new Uint32Array(buffer)
  const f64 = new Float64Array(buffer)
  for (const offset of [WRITE_POS_OFFSET, TAIL_POS_OFFSET, CURSOR_OFFSET, READ_POS_OFFSET]) u32[offset >> 2] = start
  const producer = new RingProducer(buffer, capacity, overwrite)
  const coverage: Coverage = { written: 0, droppedFull: 0, droppedInvalid: 0, droppedOversize: 0,
    lostRecords: 0, lostRecordsWithMaxPairs: 0, paddings: 0, tailMoves: 0, positionWraps: 0 }

  const writePendingLost = producer.writePendingLost.bind(producer)
  producer.writePendingLost = () => {
    const before = u32[CURSOR_OFFSET >> 2]!
    const done = writePendingLost()
    const after = u32[CURSOR_OFFSET >> 2]!
    if (after !== before) {
      coverage.lostRecords++
      const maxSize = LOST_PAIRS_OFFSET + 8 * LOST_MAX_PAIRS
      if (u32[(DATA_OFFSET + ((after - maxSize) & mask)) >> 2] === recordWord0(maxSize, LOST_ID)) coverage.lostRecordsWithMaxPairs++
    }
    return done
  }

  let now = 0
  const clockSpy = vi.spyOn(performance, 'now').mockImplementation(() => now)
  const writers = new Map<string, RecordWriter>()
  const writer = (id: number, clock: Clock): RecordWriter => {
    const key = `${id} ${clock}`
    let w = writers.get(key)
    if (w === undefined) {
      w = createRecordWriter(producer, { eventId: id, types: headerOnly(id) ? [] : ['str'], clock, maxStringBytes: MAX_STRING_BYTES, ungated: true })
      writers.set(key, w)
    }
    return w
  }
  const unconvertible = { toString (): string { throw new Error('not a string') } }

  const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0')
  const previous = new Uint32Array(capacity / 4)
  const data = new Uint32Array(buffer, DATA_OFFSET, capacity / 4)
  const state = (): string => {
    let line = ''
    for (let i = 0; i < 16; i++) line += `${hex(u32[i]!)} `
    line += `${hex(u32[READ_POS_OFFSET >> 2]!)} |`
    for (let i = 0; i < capacity / 4; i += 2) {
      if (data[i] === previous[i] && data[i + 1] === previous[i + 1]) continue
      previous[i] = data[i]!
      previous[i + 1] = data[i + 1]!
      line += ` ${(i / 2).toString(16)}:${hex(data[i + 1]!)}${hex(data[i]!)}`
    }
    return line
  }

  const out = [state()]
  try {
    for (const line of lines.slice(1)) {
      const [op, ...args] = line.split(' ')
      const cursorBefore = u32[CURSOR_OFFSET >> 2]!
      const tailBefore = u32[TAIL_POS_OFFSET >> 2]!
      const invalidBefore = f64[INVALID]!
      const fullBefore = f64[RING_FULL]!
      if (op === 'e') {
        const [id, clock, time, len, first] = [Number(args[0]), args[1] === 'p' ? 'precise' : 'coarse', Number(args[2]), Number(args[3]), Number(args[4])] as const
        now = time
        const seq = u32[SEQ]!
        const w = writer(id, clock)
        if (len < 0) w()
        else w(Array.from({ length: len }, (_, i) => String.fromCharCode(97 + (first + i) % 26)).join(''))
        if (u32[SEQ] !== seq) coverage.written++
        else if (len + 24 > producer.maxRecordBytes && f64[INVALID]! > invalidBefore) coverage.droppedOversize++
      } else if (op === 'i') {
        writer(Number(args[0]), 'precise')(unconvertible)
      } else if (op === 'c') {
        let read = u32[READ_POS_OFFSET >> 2]!
        const write = u32[WRITE_POS_OFFSET >> 2]!
        if (overwrite && ((u32[TAIL_POS_OFFSET >> 2]! - read) | 0) > 0) read = u32[TAIL_POS_OFFSET >> 2]!
        for (let i = 0; i < Number(args[0]) && ((write - read) | 0) > 0; i++) {
          read = (read + ((u32[(DATA_OFFSET + (read & mask)) >> 2]! & 0xffff) << 3)) >>> 0
        }
        Atomics.store(new Int32Array(buffer), READ_POS_OFFSET >> 2, read | 0)
      } else if (op === 't') {
        // The end of a turn: the writers' queued microtask publishes (it was queued first).
        await Promise.resolve()
      } else if (op === 'k') {
        f64[COARSE_CLOCK_OFFSET >> 3] = Number(args[0])
      }
      const cursorAfter = u32[CURSOR_OFFSET >> 2]!
      const moved = (cursorAfter - cursorBefore) >>> 0
      if ((cursorBefore & mask) !== 0 && (cursorBefore & mask) + moved > capacity) coverage.paddings++
      if (cursorAfter < cursorBefore) coverage.positionWraps++
      if (u32[TAIL_POS_OFFSET >> 2] !== tailBefore) coverage.tailMoves++
      coverage.droppedFull += f64[RING_FULL]! - fullBefore
      coverage.droppedInvalid += f64[INVALID]! - invalidBefore
      out.push(state())
    }
  } finally {
    clockSpy.mockRestore()
  }
  return { out, coverage }
}

/** The first step where the two replays differ, as what differs. */
function firstDifference(lines: readonly string[], cpp: readonly string[], js: readonly string[]): object | undefined {
  const step = cpp.findIndex((line, i) => line !== js[i])
  if (step < 0) return cpp.length === js.length ? undefined : { step: Math.min(cpp.length, js.length), missing: 'lines' }
  const split = (line: string | undefined): { fields: string[]; words: Map<string, string> } => {
    const [head = '', tail = ''] = (line ?? '').split(' |')
    const words = new Map(tail.trim().split(' ').filter((w) => w !== '').map((w) => w.split(':') as [string, string]))
    return { fields: head.trim().split(' '), words }
  }
  const c = split(cpp[step])
  const j = split(js[step])
  const fields: Record<string, { cpp: string | undefined; js: string | undefined }> = {}
  FIELD_NAMES.forEach((name, i) => { if (c.fields[i] !== j.fields[i]) fields[name] = { cpp: c.fields[i], js: j.fields[i] } })
  const words: Record<string, { cpp: string | undefined; js: string | undefined }> = {}
  for (const index of new Set([...c.words.keys(), ...j.words.keys()])) {
    if (c.words.get(index) !== j.words.get(index) && Object.keys(words).length < 8) {
      words[`data byte ${parseInt(index, 16) * 8}`] = { cpp: c.words.get(index), js: j.words.get(index) }
    }
  }
  return { step, script: lines.slice(Math.max(1, step - 4), step + 1), fields, words }
}

describe('the C++ RingProducer', () => {
  let binary = process.env.RINGTRACE_RING_REPLAY ?? ''
  const dir = mkdtempSync(join(tmpdir(), 'ringtrace-replay-'))
  beforeAll(() => {
    if (binary !== '') return
    execFileSync('bash', [join(ROOT, 'scripts', 'test-native.sh'), '--target', 'ring_replay'], { cwd: ROOT, stdio: 'pipe' })
    binary = join(ROOT, 'build-native-test', 'ring_replay')
  }, 300_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each(CONFIGS.map((config, i) => [config.name, config, BASE_SEED + i] as const))(
    'writes exactly the bytes and fields the JS producer writes, step by step (%s)', async (_, config, seed) => {
      const lines = makeScript(config, seed)
      const file = join(dir, `script-${seed}.txt`)
      writeFileSync(file, `${lines.join('\n')}\n`)
      const run = spawnSync(binary, [file], { encoding: 'utf8', maxBuffer: 1 << 30 })
      expect(run.error, `${binary}: ${String(run.error)}`).toBeUndefined()
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' })
      const cpp = run.stdout.trimEnd().split('\n')
      const { out: js, coverage } = await replayInJs(config, lines)
      expect(firstDifference(lines, cpp, js), `seed ${seed} (RINGTRACE_REPLAY_SEED=${BASE_SEED}), ${config.name}`).toBeUndefined()

      // The script reached every part of the protocol it is meant to compare.
      const reached = {
        written: coverage.written > 100,
        droppedInvalid: coverage.droppedInvalid > 0,
        droppedOversize: coverage.droppedOversize > 0,
        paddings: coverage.paddings > 0,
        droppedFull: config.overwrite ? coverage.droppedFull === 0 : coverage.droppedFull > 0,
        // Small discard rings drop dozens of distinct ids between two LOST records.
        lostRecordsWithMaxPairs: config.overwrite || config.capacity > 8192 || coverage.lostRecordsWithMaxPairs > 0,
        lostRecords: coverage.lostRecords > 0,
        tailMoves: config.overwrite ? coverage.tailMoves > 0 : coverage.tailMoves === 0,
        positionWraps: config.start === 0 ? coverage.positionWraps === 0 : coverage.positionWraps > 0,
      }
      expect(reached, `seed ${seed}, ${config.name}: ${JSON.stringify(coverage)}`).toEqual(Object.fromEntries(Object.keys(reached).map((k) => [k, true])))
    })
})
