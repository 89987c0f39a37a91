// A trace file that stops taking writes (a full disk) and takes them again: the app never sees an
// exception from the drain timer or the collector, the loss is counted (stats and in-band), the
// file reads to its end, and tracing resumes. Both backends, through the binding's write-fault
// seam; a real short write (RLIMIT_FSIZE) in a child process.

import { spawnSync } from 'node:child_process'
import { constants } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { testHooksOf } from '../src/backend/select-backend.js'
import { createTracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { summarizeTrace } from '../src/reader/index.js'
import { BACKENDS } from './helpers/backends.js'
import { readAll, readEvents, tracePath } from './helpers/trace-files.js'

const ENOSPC = constants.errno.ENOSPC
const CHILD = join(__dirname, 'fixtures', 'full-disk-child.js')


function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}

describe.each(BACKENDS)('a trace file that fails to write (%s backend)', (backend) => {
  it('counts what it could not write, reports it in-band and resumes when writes succeed again', async () => {
    const file = tracePath('full-disk')
    const tracer = createTracer({ provider: 'Test.FullDisk', backend, file, flushIntervalMs: 0 })
    const trace = tracer.event('E', [['i', t.u32]])
    const binding = testHooksOf(backend)
    for (let i = 0; i < 1000; i++) trace(i)
    tracer.flush()
    binding.setWriteFault(ENOSPC)
    try {
      for (let i = 1000; i < 2000; i++) trace(i)
      // The drain timer (TS) and the collector (native) run into the fault: nothing may throw.
      await sleep(50)
      expect(() => tracer.flush()).toThrow(/No space left|ENOSPC/)
      expect(tracer.stats()).toMatchObject({ written: 2000, delivered: 1000, lost: 1000, lostUnwritten: 1000, inRing: 0 })
      for (let i = 2000; i < 2100; i++) trace(i)
      await sleep(20)
    } finally {
      binding.setWriteFault(0)
    }
    // Each failure is reported once: by the first flush after it, even if that flush's own
    // writes succeed; the next flush passes.
    expect(() => tracer.flush()).toThrow(/No space left|ENOSPC/)
    tracer.flush()
    for (let i = 2100; i < 2500; i++) trace(i)
    await tracer.close()
    const stats = tracer.stats()
    expect(stats).toMatchObject({ written: 2500, delivered: 1400, lost: 1100, lostUnwritten: 1100, inRing: 0 })

    const events = await readEvents(file)
    expect(events.map((e) => e.fields.i)).toEqual([...range(0, 1000), ...range(2100, 2500)])
    const lost = (await readAll(file)).filter((item) => item.kind === 'lost')
    expect(lost).toMatchObject([{ count: 1100, unwritten: 1100, overwritten: 0 }])
    expect(await summarizeTrace(file)).toMatchObject({ events: 1400, lost: 1100, lostUnwritten: 1100, written: 2500, balanced: true })
  })

  it('keeps the schema of an event registered while the file failed', async () => {
    const file = tracePath('full-disk-schema')
    const tracer = createTracer({ provider: 'Test.FullDisk', backend, file, flushIntervalMs: 0 })
    const binding = testHooksOf(backend)
    binding.setWriteFault(ENOSPC)
    let late
    try {
      late = tracer.event('Late', [['s', t.str]])
      late('lost')
      await sleep(20)
    } finally {
      binding.setWriteFault(0)
    }
    expect(() => tracer.flush()).toThrow(/No space left|ENOSPC/)
    late('kept')
    await tracer.close()
    expect((await readEvents(file)).map((e) => e.fields.s)).toEqual(['kept'])
    expect(await summarizeTrace(file)).toMatchObject({ events: 1, lostUnwritten: 1, balanced: true })
  })

  it('leaves no torn chunk when the file takes only part of a write (RLIMIT_FSIZE)', async () => {
    const file = tracePath('short-write')
    // bash's ulimit -f counts KiB. Node ignores SIGXFSZ, so the write past the limit is cut
    // short and the next one fails with EFBIG.
    const child = spawnSync('bash', ['-c', `ulimit -f 48 && exec "${process.execPath}" "${CHILD}" ${backend} "${file}"`], { encoding: 'utf8' })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    const stats = JSON.parse(child.stdout) as { written: number; delivered: number; lostUnwritten: number; inRing: number; flushError: string }
    expect(stats.flushError).toMatch(/too large|EFBIG/)
    expect(stats.lostUnwritten).toBeGreaterThan(0)
    expect(stats.delivered + stats.lostUnwritten + stats.inRing).toBe(stats.written)
    // Every chunk in the file is whole: the reader gets to its end without damage.
    const events = await readEvents(file)
    expect(events.map((e) => e.fields.i)).toEqual(range(0, events.length))
    expect(events.length).toBeGreaterThan(0)
  })
})
