import { spawn } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createTracer, t, TracerError } from '../src/index.js'
import { runCli } from '../src/cli/run.js'
import { summarizeTrace } from '../src/reader/index.js'
import type { TraceEvent, TraceLost } from '../src/reader/trace-items.js'
import { listRingRuns, recoverRingDir, RecoverError, type RecoverReport } from '../src/recorder/index.js'
import { DATA_OFFSET } from '../src/format/ring-layout.js'
import { RING_FILE_HEADER_BYTES, RING_FILE_VERSION_OFFSET } from '../src/recorder/ring-file-layout.js'
import { prng } from './helpers/seeded-random.js'
import { readAll, tracePath } from './helpers/trace-files.js'

const CHILD = join(__dirname, 'fixtures', 'ring-dir-child.js')
const COUNT = 3000
const SMALL_RING = 16384

let dirs = 0
const base = mkdtempSync(join(tmpdir(), 'ringtrace-ringdir-'))
const ringDir = (name: string) => join(base, `${name}-${++dirs}`)

interface ChildRun { signal: NodeJS.Signals | null; lastSaid: number }

/** Runs the fixture; kills it with SIGKILL `delayMs` after it says 'ready' (abort mode ends by itself). */
function runChild(dir: string, onFull: string, mode: string, workers: number, ringBytes: number, delayMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, onFull, mode, String(workers), String(ringBytes)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let lastSaid = -1
    let out = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const lines = out.split('\n')
      out = lines.pop()!
      for (const line of lines) {
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), delayMs)
        else if (line.startsWith('n ')) lastSaid = Number(line.slice(2))
      }
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === null) reject(new Error(`the child exited with code ${code}: ${stderr}`))
      else resolve({ signal, lastSaid })
    })
  })
}

/** Each stream's events and loss reports, in file order. */
async function streamsOf(file: string): Promise<Map<number, { events: TraceEvent[]; lost: TraceLost[] }>> {
  const streams = new Map<number, { events: TraceEvent[]; lost: TraceLost[] }>()
  for (const item of await readAll(file)) {
    if (item.kind !== 'event' && item.kind !== 'lost') continue
    let stream = streams.get(item.stream)
    if (stream === undefined) streams.set(item.stream, stream = { events: [], lost: [] })
    if (item.kind === 'event') stream.events.push(item)
    else stream.lost.push(item)
  }
  return streams
}

/**
 * What every recovery must give: each stream's events are the thread's consecutive indexes
 * (each once, in order, none decoded from garbage), the events before them are reported lost,
 * and the file balances.
 */
async function checkRecovery(report: RecoverReport, threads: number): Promise<Map<number, { events: TraceEvent[]; lost: TraceLost[] }>> {
  expect(report.rings).toHaveLength(threads)
  const summary = await summarizeTrace(report.output)
  expect(summary.balanced).toBe(true)
  const streams = await streamsOf(report.output)
  for (const ring of report.rings) {
    expect(ring.damage).toBeUndefined()
    const { events } = streams.get(ring.stream) ?? { events: [] }
    expect(events).toHaveLength(ring.events)
    events.forEach((event, n) => {
      const i = ring.before + n
      expect(event.fields).toEqual({ i, pad: 'p'.repeat(i % 37) })
      expect(event.seq).toBe(i)
    })
  }
  return streams
}

describe('createTracer({ ringDir }) and ringtrace recover', () => {
  const random = prng(0x5eed)
  for (const onFull of ['discard', 'overwrite'] as const) {
    it(`recovers every event recorded before a SIGKILL, exactly once and in order, in 20 trials (${onFull})`, async () => {
      for (let trial = 0; trial < 20; trial++) {
        const mode = trial % 2 === 0 ? 'idle' : 'burst'
        const workers = trial % 4 < 2 ? 0 : 2
        // Discard rings are not drained (the file is their only destination): a big one keeps
        // everything an idle child wrote. Overwrite rings are small, so they lap many times.
        const ringBytes = onFull === 'overwrite' || mode === 'burst' ? SMALL_RING : 1 << 20
        const dir = ringDir(`${onFull}-${trial}`)
        const child = await runChild(dir, onFull, mode, workers, ringBytes, Math.floor(random() * 60))
        expect(child.signal).toBe('SIGKILL')
        const report = recoverRingDir(dir, tracePath(`recovered-${onFull}-${trial}`))
        const streams = await checkRecovery(report, 1 + workers)
        // A ring that lapped gives back its last lap but what the producer had reserved past its
        // cursor (at most the record and a sixteenth of the ring in overwrite mode) and the bytes
        // before the first boundary after it (these records are under 100 bytes).
        if (onFull === 'overwrite') for (const ring of report.rings) expect(ring.bytes).toBeGreaterThan(SMALL_RING - SMALL_RING / 16 - 400)
        const main = report.rings[0]!
        const mainEvents = streams.get(main.stream)?.events ?? []
        const last = mainEvents.at(-1)?.fields.i as number
        if (mode === 'idle') {
          // All COUNT events were recorded before 'ready': the newest is there, and with discard all of them.
          expect(last).toBe(COUNT - 1)
          if (onFull === 'discard') expect(main).toMatchObject({ events: COUNT, before: 0 })
        } else if (onFull === 'overwrite') {
          // The child said 'n <i>' after recording i: what was recorded by then is there.
          expect(last).toBeGreaterThanOrEqual(child.lastSaid)
        } else {
          // A full discard ring keeps the oldest and counts the rest as dropped.
          expect(main.before).toBe(0)
          const summary = await summarizeTrace(report.output)
          expect(summary.lostRingFull).toBeGreaterThan(0)
        }
      }
    }, 180_000)

    it(`recovers the rings of a process that called process.abort() (${onFull})`, async () => {
      const dir = ringDir(`abort-${onFull}`)
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [CHILD, dir, onFull, 'abort', '0', String(SMALL_RING)], { stdio: 'ignore' })
        child.on('error', reject)
        child.on('exit', (_code, signal) => { expect(signal).toBe('SIGABRT'); resolve() })
      })
      const report = recoverRingDir(dir, tracePath(`abort-${onFull}`))
      const streams = await checkRecovery(report, 1)
      expect(streams.get(report.rings[0]!.stream)?.events.at(-1)?.fields.i).toBe(onFull === 'overwrite' ? COUNT - 1 : report.rings[0]!.events - 1)
    }, 30_000)
  }

  it('keeps ring files 0600 in a directory it makes 0700, and refuses to recover a live process', async () => {
    const dir = ringDir('live')
    const tracer = createTracer({ provider: 'Test.RingDir', backend: 'native', ringDir: dir, flushOnExit: false })
    const tick = tracer.event('Tick', [['i', t.u32], ['pad', t.str]])
    for (let i = 0; i < 10; i++) tick(i, 'p'.repeat(i % 37))
    if (process.platform !== 'win32') {
      expect(statSync(dir).mode & 0o777).toBe(0o700)
      for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600)
    }
    expect(() => recoverRingDir(dir, tracePath('live'))).toThrow(expect.objectContaining({ code: 'PROCESS_ALIVE' }))
    // Once the tracer closed its ring, the ring is complete: recover reads it though the process lives.
    await tracer.close()
    const report = recoverRingDir(dir, tracePath('closed'))
    expect(report.rings[0]).toMatchObject({ closed: true, events: 10 })
    await checkRecovery(report, 1)
  })

  it('refuses ringDir on the TS backend with NATIVE_UNAVAILABLE', () => {
    expect(() => createTracer({ provider: 'Test.RingDir', backend: 'js', ringDir: ringDir('js') }))
      .toThrow(expect.objectContaining({ code: 'NATIVE_UNAVAILABLE' }))
    expect(() => createTracer({ provider: 'Test.RingDir', ringDir: '' })).toThrow(TracerError)
  })
})

describe('ringtrace recover on bad input', () => {
  /** A ring directory a killed child left behind (idle, discard: COUNT events). */
  async function leftBehind(name: string): Promise<{ dir: string; ring: string; meta: string }> {
    const dir = ringDir(name)
    await runChild(dir, 'discard', 'idle', 0, 1 << 20, 0)
    const ring = listRingRuns(dir)[0]!.rings[0]!
    return { dir, ring: ring.path, meta: ring.metaPath }
  }
  const code = (fn: () => unknown) => {
    try {
      fn()
    } catch (error) {
      expect(error).toBeInstanceOf(RecoverError)
      return { code: (error as RecoverError).code, file: (error as RecoverError).file, offset: (error as RecoverError).offset }
    }
    throw new Error('expected a RecoverError')
  }

  it('names a path that is no ring directory', () => {
    expect(code(() => recoverRingDir(join(base, 'missing'), tracePath('x'))).code).toBe('NOT_A_RING_DIR')
    const empty = ringDir('empty')
    mkdirSync(empty)
    writeFileSync(join(empty, 'notes.txt'), 'hello')
    expect(code(() => recoverRingDir(empty, tracePath('x'))).code).toBe('NOT_A_RING_DIR')
  })

  it('names the file and the offset of a ring file that is not one, is cut short or of another version', async () => {
    const { dir, ring } = await leftBehind('bad-header')
    const original = readFileSync(ring)
    truncateSync(ring, 1000)
    expect(code(() => recoverRingDir(dir, tracePath('x')))).toEqual({ code: 'BAD_RING_FILE', file: ring, offset: 1000 })
    writeFileSync(ring, original.subarray(0, original.length - 8))
    expect(code(() => recoverRingDir(dir, tracePath('x')))).toMatchObject({ code: 'BAD_RING_FILE', file: ring, offset: original.length - 8 })
    const other = Buffer.from(original)
    other.writeUInt32LE(2, RING_FILE_VERSION_OFFSET)
    writeFileSync(ring, other)
    expect(code(() => recoverRingDir(dir, tracePath('x')))).toEqual({ code: 'RING_VERSION', file: ring, offset: RING_FILE_VERSION_OFFSET })
    const garbage = Buffer.from(original)
    garbage.write('NOTARING', 0, 'latin1')
    writeFileSync(ring, garbage)
    expect(code(() => recoverRingDir(dir, tracePath('x')))).toEqual({ code: 'BAD_RING_FILE', file: ring, offset: 0 })
  }, 30_000)

  it('stops a ring at a corrupted record and reports where, never decoding what follows', async () => {
    const { dir, ring } = await leftBehind('corrupt-record')
    const bytes = readFileSync(ring)
    // Somewhere in the middle of the data: a record's header (8-aligned) gets an unknown event id.
    const data = RING_FILE_HEADER_BYTES + DATA_OFFSET
    let at = data
    for (let n = 0; n < COUNT / 2; n++) at += (bytes.readUInt32LE(at) & 0xffff) << 3
    bytes.writeUInt32LE((bytes.readUInt32LE(at) & 0xffff) | (999 << 16), at)
    writeFileSync(ring, bytes)
    const output = tracePath('corrupt-record')
    const report = recoverRingDir(dir, output)
    expect(report.rings[0]!.damage).toEqual({ offset: at, reason: 'a record of event id 999, which the metadata does not declare' })
    expect(report.rings[0]!.events).toBe(COUNT / 2)
    const events = (await streamsOf(output)).get(report.rings[0]!.stream)!.events
    expect(events.map((e) => e.fields.i)).toEqual(Array.from({ length: COUNT / 2 }, (_, i) => i))
    // The events cut off with the damage are lost, in-band: the file still balances.
    expect((await summarizeTrace(output)).balanced).toBe(true)
    const io = { stdout: { write: () => true }, stderr: { write: () => true } }
    expect(await runCli(['recover', dir, '--output', tracePath('cli')], io as never)).toBe(1)
  }, 30_000)

  it('uses the metadata chunks before one the kill cut short, and refuses metadata that is damaged', async () => {
    const { dir, meta } = await leftBehind('meta')
    const fd = openSync(meta, 'a')
    writeSync(fd, Buffer.from('RTCH\x02\x00\x00\x00'))
    closeSync(fd)
    const report = recoverRingDir(dir, tracePath('meta-cut'))
    expect(report.rings[0]).toMatchObject({ metaCut: true, events: COUNT })
    const bytes = readFileSync(meta)
    bytes[40] = bytes[40]! ^ 0xff
    writeFileSync(meta, bytes)
    expect(code(() => recoverRingDir(dir, tracePath('x')))).toMatchObject({ code: 'BAD_RING_FILE', file: meta })
  }, 30_000)

  it('asks which run when a directory holds the rings of several processes', async () => {
    const { dir } = await leftBehind('runs')
    await runChild(dir, 'discard', 'idle', 0, 1 << 20, 0)
    const runs = listRingRuns(dir)
    expect(runs).toHaveLength(2)
    expect(code(() => recoverRingDir(dir, tracePath('x'))).code).toBe('SEVERAL_RUNS')
    expect(code(() => recoverRingDir(dir, tracePath('x'), { run: '1-2' })).code).toBe('UNKNOWN_RUN')
    const report = recoverRingDir(dir, tracePath('second'), { run: runs[1]!.id })
    expect(report.pid).toBe(runs[1]!.pid)
    await checkRecovery(report, 1)
  }, 30_000)

  it('writes the recovered file 0600 from the CLI and reports each ring', async () => {
    const { dir, ring } = await leftBehind('cli')
    copyFileSync(ring, `${ring}.copy`)
    chmodSync(`${ring}.copy`, 0o644)
    let out = ''
    const io = { stdout: { write: (s: string) => { out += s; return true } }, stderr: { write: () => true } }
    const output = tracePath('cli-out')
    expect(await runCli(['recover', dir, '-o', output], io as never)).toBe(0)
    expect(out).toContain(`recovered ${COUNT} events`)
    expect(out).toContain('main (stream')
    if (process.platform !== 'win32') expect(statSync(output).mode & 0o777).toBe(0o600)
  }, 30_000)
})
