import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createTracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

describe.each(BACKENDS)('timestamps (%s backend)', (backend) => {
  it('are absolute (ns since the Unix epoch) and fall inside the wall-clock window of the calls', async () => {
    const file = tracePath('absolute')
    const tracer = createTracer({ provider: 'Test.Time', backend, file })
    const precise = tracer.event('Precise', [])
    const coarse = tracer.event('Coarse', [], { clock: 'coarse' })
    await sleep(5) // let the collector publish a coarse time at least once
    const before = BigInt(Date.now() - 1) * 1_000_000n
    precise()
    coarse()
    const after = BigInt(Date.now() + 1) * 1_000_000n
    await tracer.close()
    const [p, c] = await readEvents(file)
    expect(p!.timestampNs >= before && p!.timestampNs <= after).toBe(true)
    // The coarse clock lags real time by at most a few refresh periods.
    expect(c!.timestampNs <= after).toBe(true)
    expect(Number(before - c!.timestampNs)).toBeLessThan(50e6)
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
      await sleep(1)
    }
    await tracer.close()
    const events = await readEvents(file)
    expect(events).toHaveLength(i)
    for (let k = 1; k < events.length; k++) {
      expect(events[k]!.timestampNs >= events[k - 1]!.timestampNs).toBe(true)
    }
  })

  it('advance the coarse clock while the thread waits', async () => {
    const file = tracePath('coarse')
    const tracer = createTracer({ provider: 'Test.Time', backend, file })
    const coarse = tracer.event('Coarse', [], { clock: 'coarse' })
    await sleep(10)
    coarse()
    await sleep(40)
    coarse()
    await tracer.close()
    const [a, b] = await readEvents(file)
    expect(Number(b!.timestampNs - a!.timestampNs) / 1e6).toBeGreaterThan(20)
  })
})
