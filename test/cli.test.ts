import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import type { FieldTypeName } from '../src/format/field-types.js'
import { runCli } from '../src/cli/run.js'
import { MONO_NS, TraceBuilder, WALL_NS, eventRecord, lostRecord } from './fixtures/trace-builder.js'
import { Capture } from './helpers/capture.js'

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let fileCount = 0
const fileName = (): string => `c${fileCount++}.rtrc`

/** A stream that keeps what is written; `highWaterMark` small to exercise backpressure. */
/** A pipe whose reader leaves after `limit` bytes, like `| head -c limit`. */
class ClosingPipe extends Writable {
  received = 0
  constructor(private readonly limit: number) {
    super({ highWaterMark: 1024 })
  }
  override _write(chunk: Buffer, _encoding: string, done: (error?: Error | null) => void): void {
    this.received += chunk.length
    if (this.received > this.limit) done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' }))
    else done()
  }
}

async function run(argv: string[], stdout: Writable = new Capture()): Promise<{ code: number; out: string; err: string }> {
  const stderr = new Capture()
  const code = await runCli(argv, { stdout, stderr })
  return { code, out: stdout instanceof Capture ? stdout.text : '', err: stderr.text }
}

const FIELDS: [string, FieldTypeName][] = [
  ['n', 'u32'], ['big', 'u64'], ['x', 'f64'], ['s', 'str'], ['bin', 'binary'], ['arr', 'i64[]'], ['u8s', 'u8[]'], ['fl', 'f32[]'],
]
const TYPES = FIELDS.map(([, type]) => type)

function sampleTrace(): TraceBuilder {
  return new TraceBuilder()
    .stream(1, { threadName: 'main', threadId: 0, isMainThread: true })
    .schema(1, 1, 'req', FIELDS, { keyword: '0x10' })
    .events(1,
      eventRecord(1, TYPES, { seq: 0, timestamp: 1.5, values: [7, 2n ** 64n - 1n, NaN, 'héllo', Uint8Array.of(1, 2, 3), [-1n, 2n], [1, 2], [Infinity, 0.5]], truncated: [3] }),
      lostRecord({ timestamp: 2, ringFull: 2, invalid: 1, pairs: [[1, 3]] }),
      eventRecord(1, TYPES, { seq: 1, timestamp: 3, values: [8, 0n, -0, '', new Uint8Array(0), [], [], []] }))
    .end(1, 5, 2, 1)
}

describe('ringtrace export', () => {
  it('writes one JSON object per line, with exact values', async () => {
    const path = sampleTrace().write(dir, fileName())
    const { code, out, err } = await run(['export', path, '--format', 'ndjson'])
    expect(err).toBe('')
    expect(code).toBe(0)
    const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line))
    expect(lines).toHaveLength(3)
    expect(lines[0]).toEqual({
      kind: 'event', name: 'req', timestampNs: String(WALL_NS + 1_500_000n), time: new Date(Number(WALL_NS / 1_000_000n) + 1.5).toISOString(),
      stream: 1, thread: { id: 0, name: 'main', isMainThread: true }, level: 4, keyword: '16', opcode: 0, eventId: 1, seq: 0,
      truncated: ['s'],
      fields: { n: 7, big: '18446744073709551615', x: 'NaN', s: 'héllo', bin: 'AQID', arr: ['-1', '2'], u8s: [1, 2], fl: ['Infinity', 0.5] },
    })
    expect(lines[1]).toEqual({
      kind: 'lost', stream: 1, thread: { id: 0, name: 'main', isMainThread: true }, count: 3, ringFull: 2, invalid: 1, overwritten: 0, unwritten: 0,
      byEvent: { req: 3 }, timestampNs: String(WALL_NS + 2_000_000n), time: new Date(Number(WALL_NS / 1_000_000n) + 2).toISOString(),
    })
    expect(lines[2].fields).toEqual({ n: 8, big: '0', x: 0, s: '', bin: '', arr: [], u8s: [], fl: [] })
    expect(Object.keys(lines[0])).toEqual(['kind', 'name', 'timestampNs', 'time', 'stream', 'thread', 'level', 'keyword', 'opcode', 'eventId', 'seq', 'truncated', 'fields'])
  })

  it('gives a correlated event\'s traceId and spanId before its fields, and none outside a span', async () => {
    const fields: [string, FieldTypeName][] = [['trace.id', 'guid'], ['span.id', 'u64'], ['n', 'u32']]
    const types = fields.map(([, type]) => type)
    const path = new TraceBuilder().stream(1).schema(1, 1, 'step', fields, { context: 'span' })
      .events(1,
        eventRecord(1, types, { seq: 0, timestamp: 1, values: ['33221100-5544-7766-8899-aabbccddeeff', 0x0807060504030201n, 1] }),
        eventRecord(1, types, { seq: 1, timestamp: 2, values: ['00000000-0000-0000-0000-000000000000', 0n, 2] }))
      .write(dir, fileName())
    const { code, out } = await run(['export', path, '--format', 'ndjson'])
    expect(code).toBe(0)
    const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line))
    expect(lines.map(({ seq, traceId, spanId, fields: values }) => ({ seq, traceId, spanId, fields: values }))).toEqual([
      { seq: 0, traceId: '00112233445566778899aabbccddeeff', spanId: '0102030405060708', fields: { n: 1 } },
      { seq: 1, traceId: undefined, spanId: undefined, fields: { n: 2 } },
    ])
    expect(Object.keys(lines[0])).toEqual(['kind', 'name', 'timestampNs', 'time', 'stream', 'thread', 'level', 'keyword', 'opcode', 'eventId', 'seq', 'traceId', 'spanId', 'fields'])
  })

  it('defaults to ndjson and writes to --output', async () => {
    const path = sampleTrace().write(dir, fileName())
    const output = join(dir, 'out.ndjson')
    const { code, out } = await run(['export', path, '-o', output])
    expect(code).toBe(0)
    expect(out).toBe('')
    expect(readFileSync(output, 'utf8').trimEnd().split('\n')).toHaveLength(3)
  })

  it('waits for a slow stdout instead of buffering everything', async () => {
    const b = new TraceBuilder().stream(1).schema(1, 1, 'tick', [['n', 'u32']])
    for (let c = 0; c < 20; c++) {
      b.events(1, ...Array.from({ length: 200 }, (_, i) => eventRecord(1, ['u32'], { seq: c * 200 + i, timestamp: 0, values: [i] })))
    }
    const stdout = new Capture({ delayMs: 1 })
    const { code } = await run(['export', b.write(dir, fileName())], stdout)
    expect(code).toBe(0)
    expect(stdout.text.trimEnd().split('\n')).toHaveLength(4000)
    expect(stdout.writes).toBeGreaterThan(1)
  })

  it('stops quietly when the reader of its output goes away (EPIPE)', async () => {
    const b = new TraceBuilder().stream(1).schema(1, 1, 'tick', [['n', 'u32']])
    for (let c = 0; c < 50; c++) {
      b.events(1, ...Array.from({ length: 1000 }, (_, i) => eventRecord(1, ['u32'], { seq: c * 1000 + i, timestamp: 0, values: [i] })))
    }
    const pipe = new ClosingPipe(100_000)
    const { code, err } = await run(['export', b.write(dir, fileName())], pipe)
    expect(err).toBe('')
    expect(code).toBe(0)
    expect(pipe.received).toBeLessThan(2_000_000)
  })

  it('writes what precedes the damage, then the error, and exits 1', async () => {
    const b = sampleTrace()
    const bytes = b.bytes()
    const path = b.write(dir, fileName(), bytes.subarray(0, b.offsets[4] + 20))
    const { code, out, err } = await run(['export', path])
    expect(code).toBe(1)
    expect(out.trimEnd().split('\n')).toHaveLength(3)
    expect(err).toBe(`ringtrace: file ends inside the chunk at offset ${b.offsets[4]} (20 of 48 bytes); 2 events were read before it\n`)
  })

  it('reports a missing file with exit code 1', async () => {
    const { code, err } = await run(['export', join(dir, 'missing.rtrc')])
    expect(code).toBe(1)
    expect(err).toMatch(/^ringtrace export: ENOENT: no such file or directory/)
  })

  it('rejects an unknown format with exit code 2', async () => {
    const { code, err } = await run(['export', 'x.rtrc', '--format', 'csv'])
    expect(code).toBe(2)
    expect(err).toBe("ringtrace: export: unknown format 'csv' (formats: ndjson, chrome, perfetto, pino, otlp)\nRun 'ringtrace export --help' for its usage.\n")
  })
})

describe('ringtrace stats', () => {
  function statsTrace(): TraceBuilder {
    return new TraceBuilder()
      .stream(1, { threadName: 'main', threadId: 0, isMainThread: true, originMonoNs: String(MONO_NS) })
      .schema(1, 1, 'tick', [['n', 'u32']])
      .events(1, eventRecord(1, ['u32'], { seq: 0, timestamp: 0, values: [1] }),
        lostRecord({ timestamp: 1, ringFull: 2, invalid: 0, pairs: [[1, 2]] }),
        eventRecord(1, ['u32'], { seq: 1, timestamp: 10, values: [2] }))
      .end(1, 4, 2, 0)
  }

  it('prints events per type, losses, threads and the time span', async () => {
    const { code, out, err } = await run(['stats', statsTrace().write(dir, fileName())])
    expect(err).toBe('')
    expect(code).toBe(0)
    expect(out).toContain('provider   test-provider (pid 4242, host test-host)')
    expect(out).toContain('events     2 delivered, 2 lost, 4 written (balanced)')
    expect(out).toContain('lost       2 ring full, 0 invalid, 0 overwritten')
    expect(out).toContain('(10.000 ms)')
    expect(out).toContain('event  delivered  lost\ntick           2     2\n')
    expect(out).toContain('stream  thread  name  main  events  lost  written  closed  accounting\n     1       0  main  yes        2     2  4        yes     balanced\n')
  })

  it('prints JSON with --json', async () => {
    const { code, out } = await run(['stats', statsTrace().write(dir, fileName()), '--json'])
    expect(code).toBe(0)
    const summary = JSON.parse(out)
    expect(summary).toMatchObject({
      events: 2, lost: 2, written: 4, balanced: true, byEvent: { tick: 2 }, lostByEvent: { tick: 2 },
      firstNs: String(WALL_NS), lastNs: String(WALL_NS + 10_000_000n), durationMs: 10,
    })
    expect(summary.threads[0]).toMatchObject({ stream: 1, name: 'main', closed: true, balanced: true })
  })

  it('says a stream without END is incomplete, in text and in JSON, never balanced', async () => {
    const b = new TraceBuilder().stream(1, { threadName: 'main', threadId: 0 }).schema(1, 1, 'tick', [['n', 'u32']])
      .events(1, eventRecord(1, ['u32'], { seq: 0, timestamp: 0, values: [1] })).end(1, 1)
      .stream(2, { threadName: 'w', threadId: 5 }).schema(2, 1, 'tick', [['n', 'u32']])
      .events(2, eventRecord(1, ['u32'], { seq: 0, timestamp: 0, values: [1] }))
    const path = b.write(dir, fileName())
    const text = await run(['stats', path])
    expect(text.code).toBe(0)
    expect(text.out).toContain('events     2 delivered, 0 lost, at least 2 written (INCOMPLETE: 1 stream has no END record; its losses after the last record are unknown)\n')
    expect(text.out).toContain('     1       0  main  yes        1     0  1        yes     balanced\n')
    expect(text.out).toContain('     2       5  w     no         1     0  unknown  no      incomplete\n')
    expect(text.out).not.toMatch(/\(balanced\)/)
    const json = JSON.parse((await run(['stats', path, '--json'])).out)
    expect(json).toMatchObject({ accounting: 'incomplete', balanced: false, streamsWithoutEnd: 1, written: 2 })
    expect(json.threads.map((t: { accounting: string; balanced: boolean }) => [t.accounting, t.balanced]))
      .toEqual([['balanced', true], ['incomplete', false]])
  })

  it('summarizes the readable prefix of a damaged file and exits 1', async () => {
    const b = statsTrace()
    const bytes = b.bytes()
    bytes[b.offsets[4] + 20] ^= 1
    const { code, out, err } = await run(['stats', b.write(dir, fileName(), bytes), '--json'])
    expect(code).toBe(1)
    expect(JSON.parse(out)).toMatchObject({ events: 2, threads: [{ closed: false }] })
    expect(err).toContain(`ringtrace: damaged chunk at offset ${b.offsets[4]} (CRC mismatch)`)
  })
})

describe('ringtrace on well-framed hostile files', () => {
  const tick = (seq: number, timestamp: number): Uint8Array => eventRecord(1, ['u32'], { seq, timestamp, values: [seq] })
  const ticks = (timestamp: number): TraceBuilder => new TraceBuilder().stream(1).schema(1, 1, 'tick', [['n', 'u32']])
    .events(1, tick(0, 0), tick(1, timestamp)).end(1, 2)
  const commands = [['stats'], ['stats', '--json'], ['export', '--format', 'ndjson'], ['export', '--format', 'chrome'], ['view'],
    ['tail'], ['tail', '--format', 'ndjson']]

  /** Every command fails with the reader's own message, naming the offset of the bad chunk. */
  async function expectRefusedByAll(path: string, offset: number): Promise<void> {
    for (const [command, ...flags] of commands) {
      const { code, err } = await run([command, path, ...flags])
      expect({ command: [command, ...flags], code, err }).toEqual({
        command: [command, ...flags], code: 1, err: expect.stringMatching(new RegExp(`^ringtrace: .* at offset ${offset} \\(.*\\n$`)),
      })
    }
  }

  for (const timestamp of [1e308, 9.2e15]) {
    it(`refuses a record timestamp of ${timestamp} ms in every command, at its chunk`, async () => {
      const b = ticks(timestamp)
      await expectRefusedByAll(b.write(dir, fileName()), b.offsets[3])
    })
  }

  it('refuses a FILE chunk whose pid is "x" in every command, at offset 0', async () => {
    const b = new TraceBuilder({ pid: 'x' as never }).stream(1)
    const path = b.write(dir, fileName())
    await expectRefusedByAll(path, 0)
    const { out } = await run(['export', path, '--format', 'chrome'])
    expect(out).not.toContain('NaN')
    expect(JSON.parse(out).traceEvents.map((e: { name: string; pid: number }) => [e.name, e.pid])).toEqual([['process_name', 0]])
  })

  it('writes names holding terminal escapes and line breaks as \\u escapes in stats and view', async () => {
    const name = 'a\u001b[2J\nb\u202e'
    const guid = (n: number): string => `${String(n).repeat(8)}-0000-0000-0000-000000000000`
    const start: [string, FieldTypeName][] = [['activityId', 'guid'], ['parentId', 'guid'], ['traceId', 'guid']]
    const b = new TraceBuilder({ hostname: 'h\u0007' }).stream(1, { threadName: 't\r' })
      .schema(1, 1, name, start, { opcode: 1 }).schema(1, 2, name, [['activityId', 'guid'], ['status', 'u8'], ['errorType', 'str'], ['errorMessage', 'str']], { opcode: 2 })
      .events(1, eventRecord(1, ['guid', 'guid', 'guid'], { seq: 0, timestamp: 0, values: [guid(1), guid(0), guid(2)] }),
        eventRecord(2, ['guid', 'u8', 'str', 'str'], { seq: 1, timestamp: 1, values: [guid(1), 2, 'E\u001b]0;x\u0007', 'm\n'] }))
      .end(1, 2)
    const path = b.write(dir, fileName())
    const stats = await run(['stats', path])
    expect(stats.out).toMatch(/\na\\u001b\[2J\\u000ab\\u202e +2 +0\n/)
    expect(stats.out).toContain('host h\\u0007)')
    expect(stats.out).toContain('t\\u000d')
    const view = await run(['view', path])
    expect(view.code).toBe(0)
    expect(view.out).toContain('a\\u001b[2J\\u000ab\\u202e')
    expect(view.out).toContain('✗ E\\u001b]0;x\\u0007: m\\u000a')
    expect(`${stats.out}${view.out}`).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/)
  })

  it('refuses a str field whose count runs past its record in stats as in export', async () => {
    const record = eventRecord(1, ['str'], { seq: 0, timestamp: 0, values: ['abc'] })
    new DataView(record.buffer).setUint16(16, 100, true)
    const b = new TraceBuilder().stream(1).schema(1, 1, 's', [['s', 'str']]).events(1, record).end(1, 1)
    const path = b.write(dir, fileName())
    await expectRefusedByAll(path, b.offsets[3])
    const messages = await Promise.all(commands.map(async ([command, ...flags]) => (await run([command, path, ...flags])).err))
    expect(new Set(messages).size).toBe(1)
  })
})

describe('ringtrace command line', () => {
  it('prints help with --help, for the tool and for each command', async () => {
    const general = await run(['--help'])
    expect(general.code).toBe(0)
    expect(general.out).toMatch(/^Usage: ringtrace <command>/)
    expect(general.out).toContain('export <file>')
    expect(general.out).toContain('stats <file>')
    for (const command of ['export', 'stats']) {
      const help = await run([command, '--help'])
      expect(help.code).toBe(0)
      expect(help.out).toMatch(new RegExp(`^Usage: ringtrace ${command} <file>`))
    }
  })

  it('exits 2 with a clear message for a missing or unknown command', async () => {
    expect(await run([])).toMatchObject({ code: 2, err: expect.stringMatching(/^ringtrace: missing command\nUsage:/) })
    expect(await run(['frobnicate'])).toMatchObject({
      code: 2, err: "ringtrace: unknown command 'frobnicate'\nRun 'ringtrace --help' for the list of commands.\n",
    })
  })

  it('exits 2 for an unknown flag or a missing file argument', async () => {
    const unknown = await run(['stats', 'x.rtrc', '--bogus'])
    expect(unknown.code).toBe(2)
    expect(unknown.err).toMatch(/^ringtrace: stats: Unknown option '--bogus'/)
    expect(unknown.err).toContain("Run 'ringtrace stats --help' for its usage.")
    expect(await run(['export'])).toMatchObject({ code: 2, err: expect.stringContaining('missing <file>') })
    expect(await run(['stats', 'a', 'b'])).toMatchObject({ code: 2, err: expect.stringContaining('expected one <file>, got 2') })
    expect(await run(['export', 'x', '--format'])).toMatchObject({ code: 2 })
  })
})
