import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createTracer, type Tracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { COARSE_CLOCK_OFFSET } from '../src/format/ring-layout.js'
import { BACKENDS } from './helpers/backends.js'
import { ringViewsOf } from './helpers/ring-views.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

/** The coarse clock word of the tracer's ring (ms on the stream's clock), as a coarse event reads it. */
const coarseClock = (tracer: Tracer): number => ringViewsOf(tracer).f64[COARSE_CLOCK_OFFSET >> 3]!

/** Yields to the event loop until `done()` holds; fails naming `what` if it has not within 10 s. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after 10 s waiting for ${what}`)
    await sleep(1)
  }
}

describe.each(BACKENDS)('timestamps (%s backend)', (backend) => {
  it('are absolute (ns since the Unix epoch) and fall inside the wall-clock window of the calls', async () => {
    const file = tracePath('absolute')
    const tracer = createTracer({ provider: 'Test.Time', backend, file })
    const precise = tracer.event('Precise', [])
    const coarse = tracer.event('Coarse', [], { clock: 'coarse' })
    // The window is read on the wall clock of the file's mapping, performance.timeOrigin +
    // performance.now(): Date.now() stood up to 2 ms apart from it on a test VM. Allowed: 1 us
    // below for rounding, 1 ms above for the mapping's own sampling gap.
    const wallNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6))
    const before = wallNs() - 1000n
    tracer.flush() // drains, and so sets the coarse clock to the time of the drain
    coarse()
    precise()
    const after = wallNs() + 1_000_000n
    await tracer.close()
    const [c, p] = await readEvents(file)
    expect(p!.timestampNs).toBeGreaterThanOrEqual(before)
    expect(p!.timestampNs).toBeLessThanOrEqual(after)
    // The coarse clock was set after `before` and lags the precise clock.
    expect(c!.timestampNs).toBeGreaterThanOrEqual(before)
    expect(c!.timestampNs).toBeLessThanOrEqual(p!.timestampNs)
    expect(Math.abs(p!.time - Number(p!.timestampNs) / 1e6)).toBeLessThan(0.001)
  })

  it('never go backwards within a thread, whichever clock each event uses', async () => {
    const file = tracePath('monotonic')
    const tracer = createTracer({ provider: 'Test.Time', backend, file })
    const precise = tracer.event('Precise', [['i', t.u32]])
    const coarse = tracer.event('Coarse', [['i', t.u32]], { clock: 'coarse' })
    let i = 0
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 500; k++) {
        precise(i++)
        coarse(i++)
      }
      tracer.flush() // refreshes the coarse clock word: coarse times as close behind precise ones as they come
    }
    await tracer.close()
    const events = await readEvents(file)
    expect(events).toHaveLength(i)
    const backwards = events.slice(1).filter((e, k) => e.timestampNs < events[k]!.timestampNs)
      .map((e) => `event ${e.fields.i} at ${e.timestampNs} ns`)
    expect(backwards, 'events timestamped before the event just before them').toEqual([])
  })

  it('advance the coarse clock while the thread waits', async () => {
    const file = tracePath('coarse')
    const tracer = createTracer({ provider: 'Test.Time', backend, file })
    const coarse = tracer.event('Coarse', [], { clock: 'coarse' })
    coarse()
    // The word is at or after the first event's time: only the collector (or the TS backend's
    // drain timer) moves it, and never backwards. Nothing here flushes.
    const first = coarseClock(tracer)
    await until(() => coarseClock(tracer) > first, `the coarse clock to move past ${first} ms without a flush`)
    coarse()
    await tracer.close()
    const [a, b] = await readEvents(file)
    expect(b!.timestampNs).toBeGreaterThan(a!.timestampNs)
  })
})
