// createTracer's `console`: human lines written by the export worker to the process's stdout.
// Child processes log; their stdout is read as a terminal user would see it. A stdout nobody
// reads costs lines (dropped, counted), never the app's time: the flooding child finishes its
// loop and exits although its pipe is full.

import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createTracer } from '../src/index.js'
import { TracerError } from '../src/errors.js'
import { resolveConsole } from '../src/export/console/console-options.js'
import { BACKENDS } from './helpers/backends.js'
import { runChild } from './helpers/child-process.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const CHILD = join(__dirname, 'fixtures', 'console-child.js')

interface ConsoleCounts {
  handedOver: number
  exported: number
  failed: number
  dropped: number
  pending: number
}

const countsIn = (stderr: string): ConsoleCounts => JSON.parse(stderr.trim().split('\n').at(-1)!) as ConsoleCounts

describe.each(BACKENDS)('console (%s backend)', (backend) => {
  it('writes one human line per logger line and plain event: time, level, component, message, fields, span ids', async () => {
    const file = tracePath(`console-${backend}`)
    const { code, stdout, stderr } = await runChild([CHILD, backend, 'lines'], { TRACE_FILE: file, NO_COLOR: undefined, FORCE_COLOR: undefined })
    expect(code, stderr).toBe(0)
    const lines = stdout.split('\n')
    const time = String.raw`\d\d:\d\d:\d\d\.\d{3}`
    expect(lines[0]).toMatch(new RegExp(`^${time} INFO  api: signed in userId=42 ok=true name="two words"$`))
    const span = (await readEvents(file)).find((e) => e.name === 'GET /users')!
    const traceId = (span.fields.traceId as string).replace(/-/g, '')
    expect(lines[1]).toMatch(new RegExp(`^${time} WARN  api: slow query ms=230.5 trace=[0-9a-f]{8} span=[0-9a-f]{8}$`))
    expect(lines[1]!.match(/trace=([0-9a-f]{8})/)![1]).toBe(traceId.slice(0, 8).replace(/^(..)(..)(..)(..)$/, '$4$3$2$1'))
    // The error's summary in the line, its stack below (without the summary again).
    expect(lines[2]).toMatch(new RegExp(`^${time} ERROR api: failed err="TypeError: bad thing"$`))
    expect(lines[3]).toMatch(/^ {4}at .*console-child\.js/)
    const rest = lines.slice(3).filter((l) => !l.startsWith('    at '))
    // Control characters escaped: the message cannot colour the terminal or forge a line.
    expect(rest[0]).toMatch(new RegExp(String.raw`^${time} DEBUG db: evil \\u001b\[31m\\nnext sql="select 1"$`))
    expect(rest[1]).toMatch(new RegExp(`^${time} INFO  Checkpoint n=7$`))
    expect(rest.slice(2)).toEqual([''])
    expect(stdout).not.toContain('below the console level')
    expect(countsIn(stderr)).toMatchObject({ handedOver: 5, exported: 5, dropped: 0, failed: 0, pending: 0 })
  })

  it('colours the level when FORCE_COLOR is set (and by default only on a TTY)', async () => {
    const { code, stdout, stderr } = await runChild([CHILD, backend, 'lines'], { FORCE_COLOR: '1', NO_COLOR: undefined })
    expect(code, stderr).toBe(0)
    expect(stdout).toContain('\x1b[32mINFO \x1b[39m')
    expect(stdout).toContain('\x1b[31mERROR\x1b[39m')
  })

  it('never holds the app back: with its stdout unread, lines past the budget are dropped and counted', async () => {
    const lines = 100_000
    const child = spawn(process.execPath, [CHILD, backend, 'flood', String(lines)], { stdio: ['ignore', 'pipe', 'pipe'] })
    // stdout is read only once the child has exited: until then its pipe stays full (paused, the
    // stream stops reading once its own buffer holds highWaterMark bytes).
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stdout.pause()
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code, stderr).toBe(0)
    const ended = new Promise((resolve) => child.stdout.on('end', resolve))
    child.stdout.resume()
    await ended
    const counts = countsIn(stderr)
    expect(stderr).toMatch(/loop ms \d/)
    expect(counts.handedOver).toBe(lines)
    expect(counts.dropped).toBeGreaterThan(0)
    expect(counts.exported + counts.dropped + counts.failed + counts.pending).toBe(lines)
    // Every line counted as written is on stdout, whole, in order; past them at most one write
    // (16 KiB) the close deadline gave up on (counted dropped) may have gone out in part.
    const whole = stdout.split('\n').filter((l) => / INFO  api: flood line i=\d+$/.test(l))
    expect(whole.length).toBeGreaterThanOrEqual(counts.exported)
    expect(Buffer.byteLength(stdout) - Buffer.byteLength(whole.slice(0, counts.exported).join('\n'))).toBeLessThanOrEqual((16 << 10) + 1)
    expect(whole.map((l) => Number(l.split('i=')[1]))).toEqual(whole.map((_, i) => i))
  })
})

describe('console options', () => {
  it('refuses bad values, naming the key', () => {
    const bad: [unknown, RegExp][] = [
      ['yes', /console must be true, false or an object/],
      [{ levle: 'info' }, /unknown option "console.levle"; did you mean console.level/],
      [{ level: 'loud' }, /console.level must be one of/],
      [{ level: 'silent' }, /console.level must be a logger level/],
      [{ stream: 'stdlog' }, /console.stream must be 'stdout' or 'stderr'/],
      [{ colors: 1 }, /console.colors must be a boolean/],
      [{ budgetBytes: 10 }, /console.budgetBytes must be an integer from 65536/],
    ]
    for (const [value, message] of bad) {
      expect(() => createTracer({ provider: 'P', backend: 'js', flushOnExit: false, console: value as never })).toThrow(message)
      expect(() => resolveConsole(value)).toThrow(TracerError)
    }
  })

  it('decides colours from FORCE_COLOR, then NO_COLOR and the TTY', () => {
    expect(resolveConsole(true, { FORCE_COLOR: '1' })!.colors).toBe(true)
    expect(resolveConsole(true, { FORCE_COLOR: '0' })!.colors).toBe(false)
    expect(resolveConsole({ colors: true }, { NO_COLOR: '1' })!.colors).toBe(true)
    expect(resolveConsole({ stream: 'stderr' }, {})).toMatchObject({ fd: 2, level: 10, events: false })
    expect(resolveConsole(false)).toBeUndefined()
  })
})
