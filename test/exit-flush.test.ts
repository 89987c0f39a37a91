import { execFileSync, spawn } from 'node:child_process'
import { closeSync, constants, openSync, unlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import { summarizeTrace, type TraceSummary } from '../src/reader/index.js'
import { BACKENDS } from './helpers/backends.js'
import { tracePath } from './helpers/trace-files.js'

const CHILD = join(__dirname, 'fixtures', 'exit-child.js')
const EVENTS = 10_000

/** Runs the child; once it says 'ready', `onReady` may signal it (or look at its file first). */
function runChild(args: string[], signal?: NodeJS.Signals, onReady?: () => Promise<void>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.stdout.on('data', (d: Buffer) => {
      if (signal === undefined || !d.toString().includes('ready')) return
      void (onReady?.() ?? Promise.resolve()).finally(() => child.kill(signal))
    })
    child.on('error', reject)
    child.on('exit', (code, sig) => resolve({ code, signal: sig, stderr }))
  })
}

describe.each(BACKENDS)('flush on exit (%s backend)', (backend) => {
  const endings: [string, string, (r: { code: number | null; signal: NodeJS.Signals | null }) => void][] = [
    ['a normal end', 'normal', (r) => expect(r.code).toBe(0)],
    ['process.exit()', 'exit', (r) => expect(r.code).toBe(3)],
    ['an uncaught exception', 'uncaught', (r) => expect(r.code).toBe(1)],
    ['an unhandled rejection', 'rejection', (r) => expect(r.code).toBe(1)],
  ]
  it.each(endings)('writes every event and the END chunk on %s', async (_, how, checkExit) => {
    const file = tracePath(`exit-${how}`)
    const result = await runChild([backend, file, how, String(EVENTS)])
    checkExit(result)
    const summary = await summarizeTrace(file)
    expect(summary).toMatchObject({ events: EVENTS, lost: 0, written: EVENTS, balanced: true })
    expect(summary.threads.filter((th) => !th.closed).map((th) => th.name), 'threads without an END chunk').toEqual([])
  })

  it.each(['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGQUIT'] as const)('writes every event on %s and still dies by the signal', async (signal) => {
    const file = tracePath(`exit-${signal}`)
    const result = await runChild([backend, file, 'signal', String(EVENTS)], signal)
    expect(result.signal).toBe(signal)
    const summary = await summarizeTrace(file)
    expect(summary).toMatchObject({ events: EVENTS, lost: 0, written: EVENTS, balanced: true })
  })

  it('keeps recording while the app shuts down on its own SIGTERM listener, then closes at exit', async () => {
    const file = tracePath('exit-graceful')
    const result = await runChild([backend, file, 'graceful', String(EVENTS)], 'SIGTERM')
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' })
    const summary = await summarizeTrace(file)
    expect(summary).toMatchObject({ events: EVENTS + 1000, lost: 0, written: EVENTS + 1000, balanced: true })
    expect(summary.byEvent).toEqual({ BeforeExit: EVENTS, Shutdown: 1000 })
  })

  it('has everything traced in the file within the flush interval, even if the process is then killed', async () => {
    const file = tracePath('exit-durable')
    let seen: TraceSummary | undefined
    const result = await runChild([backend, file, 'signal', String(EVENTS), '50'], 'SIGKILL', async () => {
      await sleep(400)
      seen = await summarizeTrace(file)
    })
    expect(result.signal).toBe('SIGKILL')
    expect(seen).toMatchObject({ events: EVENTS, lost: 0 })
  })
})

describe('flush on exit with a sink that hangs (native backend)', () => {
  it('still ends the process on SIGTERM: the exit path waits for the collector a bounded time', async () => {
    const fifo = join(dirname(tracePath('wedged')), `wedged-${process.pid}.fifo`)
    execFileSync('mkfifo', [fifo])
    // A reader that never reads: the child can open the pipe, then fills it and blocks.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      // Ending at all is the point: a wait without bound would leave the child hanging until the
      // test's timeout. The message says the bounded wait ran out.
      const result = await runChild(['native', fifo, 'wedged', '0'], 'SIGTERM')
      expect(result.signal).toBe('SIGTERM')
      expect(result.stderr).toMatch(/did not answer within 5 s/)
    } finally {
      closeSync(reader)
      unlinkSync(fifo)
    }
  }, 30_000)
})
