// A ring whose producer corrupted it (a zero or impossible record size, a cursor that moved
// backwards) must never make a consumer loop: flush() returns, the bytes and the events skipped
// are counted, and tracing goes on. The bytes are poked directly, as a producer bug would leave
// them, before the consumer sees them (records stay unpublished until flush()).

import { describe, expect, it } from 'vitest'
import type { NativeBinding } from '../binding.js'
import { createTracer, type Tracer } from '../src/tracer.js'
import { t } from '../src/schema/field-type-tokens.js'
import { summarizeTrace } from '../src/reader/index.js'
import { CURSOR_OFFSET, DATA_OFFSET, WRITE_POS_OFFSET } from '../src/format/ring-layout.js'
import type { RingViews } from '../src/ring/ring-views.js'
import { BACKENDS } from './helpers/backends.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const RING_BYTES = 1 << 16

function internals(tracer: Tracer): { binding: NativeBinding; views: RingViews } {
  const inner = tracer as unknown as { binding: NativeBinding; ring: { views: RingViews } }
  return { binding: inner.binding, views: inner.ring.views }
}

/** Ring data offset of the `n`th record from the producer's cursor `from`. */
function recordAt(views: RingViews, from: number, n: number): number {
  let at = from
  for (let i = 0; i < n; i++) at += (views.u32[(DATA_OFFSET + (at & (RING_BYTES - 1))) >> 2]! & 0xffff) << 3
  return DATA_OFFSET + (at & (RING_BYTES - 1))
}

const corruptions: [string, (views: RingViews, word0At: number) => void][] = [
  ['a record size of 0', (views, at) => { views.u32[at >> 2] = 1 << 16 }],
  ['a record size past what was published', (views, at) => { views.u32[at >> 2] = (1 << 16) | 0x1000 }],
  ['a record size no record can have', (views, at) => { views.u32[at >> 2] = (1 << 16) | 0xffff }],
]

describe.each(BACKENDS)('a corrupt ring (%s backend)', (backend) => {
  it.each(corruptions)('skips %s, counts it and goes on', async (_, corrupt) => {
    const file = tracePath('corrupt')
    const tracer = createTracer({ provider: 'Test.Corrupt', backend, file, ringBytes: RING_BYTES })
    const trace = tracer.event('E', [['i', t.u32]])
    const { binding, views } = internals(tracer)
    trace(0)
    tracer.flush()
    const from = views.u32[CURSOR_OFFSET >> 2]!
    for (let i = 1; i <= 10; i++) trace(i)
    corrupt(views, recordAt(views, from, 3))
    tracer.flush()
    const ring = binding.ringStats(tracer.stream)
    expect(ring.corruptBytes).toBeGreaterThan(0)
    for (let i = 11; i <= 15; i++) trace(i)
    await tracer.close()
    // Records 1..3 came before the bad header; 4..10 are skipped and revealed by 11's seq gap.
    expect(tracer.stats()).toMatchObject({ written: 16, delivered: 9, lostCorrupt: 7, lost: 7 })
    expect((await readEvents(file)).map((e) => e.fields.i)).toEqual([0, 1, 2, 3, 11, 12, 13, 14, 15])
    expect(await summarizeTrace(file)).toMatchObject({ events: 9, lostUnwritten: 7, written: 16, balanced: true })
  })

  it('resynchronises when the cursor moved backwards', async () => {
    const file = tracePath('corrupt-cursor')
    const tracer = createTracer({ provider: 'Test.Corrupt', backend, file, ringBytes: RING_BYTES })
    const trace = tracer.event('E', [['i', t.u32]])
    const { binding, views } = internals(tracer)
    for (let i = 0; i < 10; i++) trace(i)
    tracer.flush()
    // As a re-entrant write once left it: the producer's cursor and writePos 48 bytes back, over
    // records the consumer has taken already. Read as unsigned, writePos is ~4 GiB ahead.
    const back = views.u32[CURSOR_OFFSET >> 2]! - 48
    views.u32[CURSOR_OFFSET >> 2] = back
    Atomics.store(views.i32, WRITE_POS_OFFSET >> 2, back | 0)
    tracer.flush()
    expect(binding.ringStats(tracer.stream).corruptBytes).toBe(48)
    for (let i = 10; i < 20; i++) trace(i)
    await tracer.close()
    expect(tracer.stats()).toMatchObject({ written: 20, delivered: 20, lost: 0 })
    expect((await readEvents(file)).map((e) => e.fields.i)).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })
})
