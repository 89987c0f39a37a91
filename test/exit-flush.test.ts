import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { summarizeTrace } from '../src/reader/index.js'
import { BACKENDS } from './helpers/backends.js'
import { tracePath } from './helpers/trace-files.js'

const CHILD = join(__dirname, 'fixtures', 'exit-child.js')
const EVENTS = 10_000

function runChild(args: string[], signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.stdout.on('data', (d: Buffer) => {
      if (signal !== undefined && d.toString().includes('ready')) child.kill(signal)
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

  it.each(['SIGINT', 'SIGTERM'] as const)('writes every event on %s and still dies by the signal', async (signal) => {
    const file = tracePath(`exit-${signal}`)
    const result = await runChild([backend, file, 'signal', String(EVENTS)], signal)
    expect(result.signal).toBe(signal)
    const summary = await summarizeTrace(file)
    expect(summary).toMatchObject({ events: EVENTS, lost: 0, written: EVENTS, balanced: true })
  })
})
