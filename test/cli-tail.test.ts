import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/run.js'
import { encodeChunk } from '../src/format/chunk.js'
import type { FieldTypeName } from '../src/format/field-types.js'
import { ChunkType, LOSS_REASON_UNWRITTEN } from '../src/format/file-layout.js'
import { TraceBuilder, WALL_NS, eventRecord, lostRecord } from './fixtures/trace-builder.js'
import { BACKENDS } from './helpers/backends.js'
import { Capture } from './helpers/capture.js'
import { runChild } from './helpers/child-process.js'

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-tail-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let fileCount = 0
const fileName = (): string => `t${fileCount++}.rtrc`

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js')
const WRITER = join(__dirname, 'fixtures', 'tail-writer.js')
/** How long a test waits for output before it fails (a guard against hanging, not a speed check). */
const PATIENCE_MS = 20_000

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await runCli(argv, { stdout, stderr })
  return { code, out: stdout.text, err: stderr.text }
}

/** Time text of a builder timestamp (ms after the file's wall clock). */
const at = (ms: number): string => new Date(Number(WALL_NS / 1_000_000n) + ms).toISOString()

/** Events at each level, a LOST record, a LOSS chunk, a truncated string. */
function levelsTrace(): TraceBuilder {
  const record = (id: number, seq: number, values: unknown[], truncated?: number[]): Uint8Array =>
    eventRecord(id, ['u32', 'str'], { seq, timestamp: seq, values, truncated })
  const b = new TraceBuilder().stream(1, { threadName: 'main', threadId: 0 })
  const names = ['always', 'critical', 'error', 'warning', 'info', 'verbose']
  names.forEach((name, level) => b.schema(1, level + 1, name, [['n', 'u32'], ['s', 'str']], { level }))
  return b.schema(1, 7, 'custom', [['n', 'u32'], ['s', 'str']], { level: 9 })
    .events(1, ...names.map((_, level) => record(level + 1, level, [level, `l${level}`])),
      lostRecord({ timestamp: 6, ringFull: 2, invalid: 1, pairs: [[3, 3]] }),
      record(7, 6, [9, 'cut'], [1]))
    .loss(1, 4, LOSS_REASON_UNWRITTEN)
    .events(1, record(5, 11, [11, 'after']))
    .end(1, 15, 2, 1)
}

describe('ringtrace tail', () => {
  it('prints one line per event and loss report: time, thread, level, name and fields', async () => {
    const { code, out, err } = await run(['tail', levelsTrace().write(dir, fileName())])
    expect(err).toBe('')
    expect(code).toBe(0)
    expect(out).toBe([
      `${at(0)} [main#0] logalways always {"n":0,"s":"l0"}`,
      `${at(1)} [main#0] critical critical {"n":1,"s":"l1"}`,
      `${at(2)} [main#0] error    error {"n":2,"s":"l2"}`,
      `${at(3)} [main#0] warning  warning {"n":3,"s":"l3"}`,
      `${at(4)} [main#0] info     info {"n":4,"s":"l4"}`,
      `${at(5)} [main#0] verbose  verbose {"n":5,"s":"l5"}`,
      `${at(6)} [main#0] lost 3 events (2 ring full, 1 invalid) {"error":3}`,
      `${at(6)} [main#0] level9   custom {"n":9,"s":"cut"} (cut short: s)`,
      `${'-'.padEnd(24)} [main#0] lost 4 events (4 unwritten)`,
      `${at(11)} [main#0] info     info {"n":11,"s":"after"}`,
      '',
    ].join('\n'))
  })

  it('prints with --format ndjson the lines export --format ndjson writes', async () => {
    const path = levelsTrace().write(dir, fileName())
    const tail = await run(['tail', path, '--format', 'ndjson'])
    expect(tail.code).toBe(0)
    expect(tail.out).toBe((await run(['export', path, '--format', 'ndjson'])).out)
    expect(tail.out.trimEnd().split('\n')).toHaveLength(10)
  })

  it('keeps the events named by --event, given once or more, and every loss report', async () => {
    const path = levelsTrace().write(dir, fileName())
    const names = async (...flags: string[]): Promise<string[]> =>
      (await run(['tail', path, '--format', 'ndjson', ...flags])).out.trimEnd().split('\n').map((line) => {
        const item = JSON.parse(line) as { kind: string; name?: string }
        return item.kind === 'lost' ? 'lost' : item.name!
      })
    expect(await names('--event', 'info')).toEqual(['info', 'lost', 'lost', 'info'])
    expect(await names('--event', 'error', '--event', 'custom', '--event', 'missing')).toEqual(['error', 'lost', 'custom', 'lost'])
  })

  it('keeps with --level the events at that level or more severe, and logalways ones, by name or number', async () => {
    const path = levelsTrace().write(dir, fileName())
    const events = async (level: string): Promise<string[]> =>
      (await run(['tail', path, '--format', 'ndjson', '--level', level])).out.trimEnd().split('\n')
        .map((line) => JSON.parse(line) as { kind: string; name?: string })
        .filter((item) => item.kind === 'event').map((item) => item.name!)
    expect(await events('warning')).toEqual(['always', 'critical', 'error', 'warning'])
    expect(await events('3')).toEqual(['always', 'critical', 'error', 'warning'])
    expect(await events('Critical')).toEqual(['always', 'critical'])
    expect(await events('logalways')).toEqual(['always'])
    expect(await events('255')).toEqual(['always', 'critical', 'error', 'warning', 'info', 'verbose', 'custom', 'info'])
    const both = await run(['tail', path, '--level', 'error', '--event', 'critical'])
    expect(both.out.split('\n').filter((line) => !line.includes(' lost '))).toEqual([`${at(1)} [main#0] critical critical {"n":1,"s":"l1"}`, ''])
  })

  it('ends the line of a correlated event with the ids of the span it was traced in', async () => {
    const fields: [string, FieldTypeName][] = [['trace.id', 'guid'], ['span.id', 'u64'], ['n', 'u32']]
    const types = fields.map(([, type]) => type)
    const path = new TraceBuilder().stream(1, { threadName: 'main', threadId: 0 }).schema(1, 1, 'step', fields, { context: 'span' })
      .events(1,
        eventRecord(1, types, { seq: 0, timestamp: 1, values: ['33221100-5544-7766-8899-aabbccddeeff', 0x0807060504030201n, 1] }),
        eventRecord(1, types, { seq: 1, timestamp: 2, values: ['00000000-0000-0000-0000-000000000000', 0n, 2] }))
      .write(dir, fileName())
    expect((await run(['tail', path])).out).toBe([
      `${at(1)} [main#0] info     step {"n":1} trace=00112233445566778899aabbccddeeff span=0102030405060708`,
      `${at(2)} [main#0] info     step {"n":2}`,
      '',
    ].join('\n'))
  })

  it('writes control characters and bidirectional overrides from the file as \\u escapes in text', async () => {
    const b = new TraceBuilder().stream(1, { threadName: 't\u001b[2J' }).schema(1, 1, 'e\u202e\u0085', [['s', 'str']])
      .events(1, eventRecord(1, ['str'], { seq: 0, timestamp: 0, values: ['x\u001b]0;y\u0007\u009b'] }))
    const { code, out } = await run(['tail', b.write(dir, fileName())])
    expect(code).toBe(0)
    expect(out).toBe(`${at(0)} [t\\u001b[2J#1] info     e\\u202e\\u0085 {"s":"x\\u001b]0;y\\u0007\\u009b"}\n`)
  })

  it('prints what precedes damage, then the error with its offset, and exits 1', async () => {
    const b = levelsTrace()
    const bytes = b.bytes()
    bytes[b.offsets[b.offsets.length - 2] + 20] ^= 1
    const { code, out, err } = await run(['tail', b.write(dir, fileName(), bytes)])
    expect(code).toBe(1)
    expect(out.trimEnd().split('\n')).toHaveLength(9)
    expect(err).toBe(`ringtrace: damaged chunk at offset ${b.offsets[b.offsets.length - 2]} (CRC mismatch); 7 events were read before it\n`)
  })

  it('is listed in the help and has its own', async () => {
    expect((await run(['--help'])).out).toContain('  tail <file> [--follow] [--format text|ndjson]      print events as they are written\n')
    const help = await run(['tail', '--help'])
    expect(help.code).toBe(0)
    expect(help.out).toMatch(/^Usage: ringtrace tail <file> \[--follow\]/)
  })

  it('exits 2 for a bad command line', async () => {
    const path = levelsTrace().write(dir, fileName())
    const hint = "Run 'ringtrace tail --help' for its usage.\n"
    expect(await run(['tail', path, '--format', 'csv'])).toEqual({ code: 2, out: '', err: `ringtrace: tail: unknown format 'csv' (formats: text, ndjson)\n${hint}` })
    expect(await run(['tail', path, '--level', 'loud'])).toEqual({
      code: 2, out: '', err: `ringtrace: tail: --level expects a level name (logalways, critical, error, warning, info, verbose) or a number from 0 to 255, got 'loud'\n${hint}`,
    })
    expect(await run(['tail', path, '--level', '256'])).toMatchObject({ code: 2 })
    expect(await run(['tail'])).toEqual({ code: 2, out: '', err: `ringtrace: tail: missing <file>\n${hint}` })
    expect(await run(['tail', path, path])).toMatchObject({ code: 2, err: expect.stringContaining('expected one <file>, got 2') })
    expect(await run(['tail', path, '--follow=yes'])).toMatchObject({ code: 2 })
  })

  it('exits 1 for a missing file', async () => {
    const { code, err } = await run(['tail', join(dir, 'missing.rtrc'), '--follow'])
    expect(code).toBe(1)
    expect(err).toMatch(/^ringtrace tail: ENOENT: no such file or directory/)
  })
})

interface TailProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves once stdout holds `count` lines. */
  lines(count: number): Promise<string[]>
}

const running = new Set<TailProcess['child']>()
afterEach(() => {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
})

/** The built CLI's `tail`, in a child process. */
function spawnTail(args: string[]): TailProcess {
  const child = spawn(process.execPath, [CLI, 'tail', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child)
      resolve({ code, signal })
    })
  })
  let exited = false
  void exit.then(() => { exited = true })
  return {
    child, exit, stdout: () => stdout, stderr: () => stderr,
    async lines(count) {
      const deadline = Date.now() + PATIENCE_MS
      const complete = (): string[] => stdout.split('\n').slice(0, -1)
      while (complete().length < count) {
        if (exited || Date.now() > deadline) {
          throw new Error(`expected ${count} lines from tail, got ${complete().length}${exited ? ' before it exited' : ''}; stderr: ${stderr}`)
        }
        await sleep(10)
      }
      return complete()
    },
  }
}

/** Runs the tracing child to its end: `count` events "step" { i, label } into `file`. */
async function trace(backend: string, file: string, fileMode: 'append' | 'truncate', count: number, label: string): Promise<void> {
  const result = await runChild([WRITER, backend, file, fileMode, String(count), label])
  expect(result).toEqual({ code: 0, stdout: '', stderr: '' })
}

const steps = (lines: string[]): [number, string][] => lines.map((line) => {
  const { fields } = JSON.parse(line) as { fields: { i: number; label: string } }
  return [fields.i, fields.label]
})
const expectedSteps = (count: number, label: string): [number, string][] => Array.from({ length: count }, (_, i) => [i, label])

describe('ringtrace tail --follow', () => {
  for (const backend of BACKENDS) {
    it(`prints the events a tracer in another process writes after it started, then exits 0 on SIGTERM (${backend} backend)`, async () => {
      const file = join(dir, fileName())
      await trace(backend, file, 'truncate', 3, 'before')
      const tail = spawnTail([file, '--follow', '--format', 'ndjson'])
      await tail.lines(3)
      await trace(backend, file, 'append', 20, 'after')
      const lines = await tail.lines(23)
      tail.child.kill('SIGTERM')
      expect(await tail.exit).toEqual({ code: 0, signal: null })
      expect(steps(lines)).toEqual([...expectedSteps(3, 'before'), ...expectedSteps(20, 'after')])
      expect(tail.stdout().split('\n')).toHaveLength(24)
      expect(tail.stderr()).toBe('')
    })
  }

  it('reads the file from its start again when a new tracer truncates it, says so, and exits 0 on SIGINT', async () => {
    const file = join(dir, fileName())
    await trace('js', file, 'truncate', 4, 'first')
    const tail = spawnTail([file, '-f', '--format', 'ndjson'])
    await tail.lines(4)
    await trace('js', file, 'truncate', 6, 'second')
    const lines = await tail.lines(10)
    tail.child.kill('SIGINT')
    expect(await tail.exit).toEqual({ code: 0, signal: null })
    expect(steps(lines)).toEqual([...expectedSteps(4, 'first'), ...expectedSteps(6, 'second')])
    expect(tail.stderr()).toBe(`ringtrace tail: ${file} was truncated (a new trace began): reading it again from the start\n`)
  })

  it('exits 1 with the offset when a damaged chunk is appended', async () => {
    const b = levelsTrace()
    const path = b.write(dir, fileName())
    const tail = spawnTail([path, '--follow'])
    await tail.lines(10)
    const offset = statSync(path).size
    const chunk = encodeChunk(ChunkType.Events, new Uint8Array(8))
    chunk[20] ^= 1
    appendFileSync(path, chunk)
    expect(await tail.exit).toEqual({ code: 1, signal: null })
    expect(tail.stderr()).toBe(`ringtrace: damaged chunk at offset ${offset} (CRC mismatch); 8 events were read before it\n`)
  })

  it('exits 0 without a word when the reader of its output goes away', async () => {
    const file = join(dir, fileName())
    await trace('js', file, 'truncate', 2, 'before')
    const tail = spawnTail([file, '--follow'])
    await tail.lines(2)
    tail.child.stdout.destroy()
    await trace('js', file, 'append', 20, 'after')
    expect(await tail.exit).toEqual({ code: 0, signal: null })
    expect(tail.stderr()).toBe('')
  })
})
