// `ringtrace export --format pino`: a trace's logger lines (and plain events) as pino's NDJSON,
// checked field by field and then read by the real pino-pretty, as a user would pipe them.

import { spawn } from 'node:child_process'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createTracer, t, type Tracer } from '../src/index.js'
import { runCli } from '../src/cli/run.js'
import { BACKENDS } from './helpers/backends.js'
import { Capture } from './helpers/capture.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const PINO_PRETTY = join(__dirname, '..', 'node_modules', 'pino-pretty', 'bin.js')

const open: Tracer[] = []
afterEach(async () => {
  for (const tracer of open.splice(0)) await tracer.close()
})

async function exportPino(file: string): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await runCli(['export', file, '--format', 'pino'], { stdout, stderr })
  return { code, out: stdout.text, err: stderr.text }
}

function prettyPrint(input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PINO_PRETTY, '--colorize', 'false', '--translateTime', 'false'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`pino-pretty exited ${code}: ${err}`))))
    child.stdin.end(input)
  })
}

/** The 16 bytes of a GUID as the reader shows it, in hex: its first three groups are little-endian. */
const guidHex = (text: string): string => text.replace(/^(..)(..)(..)(..)-(..)(..)-(..)(..)-(....)-(.{12})$/, '$4$3$2$1$6$5$8$7$9$10')

describe.each(BACKENDS)('ringtrace export --format pino (%s backend)', (backend) => {
  it('writes pino\'s line format: level, time, pid, hostname, fields, span ids, msg last', async () => {
    const file = tracePath(`pino-${backend}`)
    const tracer = createTracer({ provider: 'Test.Pino', backend, file, flushOnExit: false })
    open.push(tracer)
    const log = tracer.logger({ service: 'api' })
    const request = tracer.event('Request', [['path', t.str], ['status', t.u16]], { level: 3 })
    const before = Date.now()
    log.info({ userId: 42, ratio: 0.5, req: { method: 'GET', headers: { a: 'b' } } }, 'signed in')
    tracer.span('Work', () => log.child({ reqId: 'r1' }).warn('slow %s', 'query'))
    log.error(new TypeError('boom'))
    request('/items', 503)
    await tracer.close()
    const after = Date.now()

    const { code, out, err } = await exportPino(file)
    expect({ code, err }).toEqual({ code: 0, err: '' })
    const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    const start = (await readEvents(file)).find((e) => e.name === 'Work' && e.opcode === 1)!
    const origin = { pid: process.pid, hostname: hostname() }
    expect(lines.map((l) => Object.keys(l))).toEqual([
      ['level', 'time', 'pid', 'hostname', 'service', 'userId', 'ratio', 'req', 'msg'],
      ['level', 'time', 'pid', 'hostname', 'service', 'reqId', 'trace_id', 'span_id', 'msg'],
      ['level', 'time', 'pid', 'hostname', 'service', 'err', 'msg'],
      ['level', 'time', 'pid', 'hostname', 'path', 'status', 'msg'],
    ])
    expect(lines[0]).toMatchObject({ level: 30, ...origin, service: 'api', userId: 42, ratio: 0.5, req: { method: 'GET', headers: { a: 'b' } }, msg: 'signed in' })
    expect(lines[1]).toMatchObject({
      level: 40, reqId: 'r1', msg: 'slow query',
      trace_id: guidHex(start.fields.traceId as string), span_id: guidHex(start.fields.activityId as string).slice(0, 16),
    })
    expect(lines[2]).toMatchObject({ level: 50, msg: 'boom', err: { type: 'TypeError', message: 'boom' } })
    expect(lines[3]).toMatchObject({ level: 40, path: '/items', status: 503, msg: 'Request' })
    for (const line of lines) {
      expect(line.time).toBeGreaterThanOrEqual(before - 2)
      expect(line.time).toBeLessThanOrEqual(after + 2)
    }

    const pretty = await prettyPrint(out)
    const shown = pretty.trimEnd().split('\n').filter((line) => /^\[\d+\]/.test(line))
    expect(shown).toHaveLength(4)
    // pino-pretty shows the time pino wrote, the level by name, the pid (its hostname, if it
    // shows one) and msg.
    expect(shown[0]).toMatch(new RegExp(`^\\[${lines[0]!.time}\\] INFO \\(${process.pid}[^)]*\\): signed in$`))
    expect(shown[1]).toMatch(/ WARN \(\d+[^)]*\): slow query$/)
    expect(shown[2]).toMatch(/ ERROR \(\d+[^)]*\): boom$/)
    expect(pretty).toContain('userId: 42')
    expect(pretty).toContain('reqId: "r1"')
    expect(pretty).toMatch(/TypeError: boom\n\s+at /)
  })

  it('keeps a JSON field the tracer cut as a string, flagged', async () => {
    const file = tracePath(`pino-cut-${backend}`)
    const tracer = createTracer({ provider: 'Test.Pino', backend, file, flushOnExit: false })
    open.push(tracer)
    tracer.logger().info({ blob: { text: 'x'.repeat(20_000) } }, 'big')
    await tracer.close()
    const { code, out } = await exportPino(file)
    expect(code).toBe(0)
    const [line] = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(typeof line!.blob).toBe('string')
    expect((line!.blob as string).startsWith('{"text":"xxx')).toBe(true)
    expect((line!.blob as string).length).toBeLessThanOrEqual(8192)
  })
})
