import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { TraceFileError, type TraceItem } from '../src/reader/index.js'
import { TraceFollower, type FileRestart } from '../src/reader/trace-follower.js'
import { TraceBuilder, eventRecord } from './fixtures/trace-builder.js'
import { readAll } from './helpers/trace-files.js'

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-follow-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let fileCount = 0
const filePath = (): string => join(dir, `f${fileCount++}.rtrc`)

const POLL_MS = 10
/** How long a test waits for what it expects before it fails (a guard against hanging, not a speed check). */
const PATIENCE_MS = 20_000

/** Follows `path` in the background, keeping every item and restart it yields. */
function follow(path: string) {
  const controller = new AbortController()
  const follower = new TraceFollower(path, { signal: controller.signal, pollMs: POLL_MS })
  const seen: (TraceItem | FileRestart)[] = []
  let settled = false
  const done = (async () => {
    try {
      for await (const batch of follower.batches()) {
        if (typeof batch === 'string') seen.push(batch)
        else seen.push(...batch)
      }
    } finally {
      settled = true
    }
  })()
  done.catch(() => {})
  return {
    seen,
    done,
    /** Resolves once `count` items and restarts have been seen. */
    async until(count: number): Promise<void> {
      const deadline = Date.now() + PATIENCE_MS
      while (seen.length < count && !settled) {
        if (Date.now() > deadline) throw new Error(`waited for ${count} items, saw ${seen.length}`)
        await sleep(POLL_MS)
      }
      await (settled ? done : undefined)
    },
    async stop(): Promise<void> {
      controller.abort()
      await done
    },
  }
}

const tick = (seq: number): Uint8Array => eventRecord(1, ['u32'], { seq, timestamp: seq, values: [seq] })

/** A trace of `chunks` EVENTS chunks of two ticks each; `pid` tells traces apart. */
function ticks(chunks: number, pid = 1): TraceBuilder {
  const b = new TraceBuilder({ pid }).stream(1).schema(1, 1, 'tick', [['n', 'u32']])
  for (let c = 0; c < chunks; c++) b.events(1, tick(2 * c), tick(2 * c + 1))
  return b.end(1, 2 * chunks)
}

describe('TraceFollower', () => {
  it('yields chunks as they are appended, waiting at a chunk the file ends inside', async () => {
    const b = ticks(4)
    const bytes = b.bytes()
    const path = filePath()
    const cuts = [b.offsets[4] + 20, b.offsets[5] + 3, b.offsets[6] + 17, bytes.length]
    writeFileSync(path, bytes.subarray(0, cuts[0]))
    const follower = follow(path)
    const expected = await readAll(b.write(dir, 'whole.rtrc'))
    await follower.until(2)
    for (let i = 1; i < cuts.length; i++) {
      appendFileSync(path, bytes.subarray(cuts[i - 1], cuts[i]))
      await follower.until(2 * i + 2)
    }
    await follower.stop()
    expect(follower.seen).toEqual(expected)
  })

  it('waits for an empty file to get its first chunks', async () => {
    const path = filePath()
    writeFileSync(path, new Uint8Array(0))
    const follower = follow(path)
    await sleep(3 * POLL_MS)
    const b = ticks(1)
    appendFileSync(path, b.bytes())
    await follower.until(2)
    await follower.stop()
    expect(follower.seen).toEqual(await readAll(b.write(dir, 'one.rtrc')))
  })

  for (const [what, chunks] of [['shorter', 1], ['longer', 6]] as const) {
    it(`starts over, decoding afresh, when a new trace truncates the file (the new one ${what} than what was read)`, async () => {
      const first = ticks(2, 1)
      const second = ticks(chunks, 22)
      const path = first.write(dir, `truncated-${what}.rtrc`)
      const follower = follow(path)
      await follower.until(4)
      writeFileSync(path, second.bytes())
      await follower.until(5 + 2 * chunks)
      await follower.stop()
      expect(follower.seen).toEqual([...await readAll(first.write(dir, 'first.rtrc')), 'truncated', ...await readAll(second.write(dir, 'second.rtrc'))])
    })
  }

  it('starts over when another file is renamed onto the path', async () => {
    const path = ticks(1, 1).write(dir, 'renamed.rtrc')
    const follower = follow(path)
    await follower.until(2)
    const second = ticks(2, 1)
    renameSync(second.write(dir, 'replacement.rtrc'), path)
    await follower.until(7)
    await follower.stop()
    expect(follower.seen.slice(2)).toEqual(['replaced', ...await readAll(second.write(dir, 'second.rtrc'))])
  })

  it('throws the damage of an appended chunk, after the items before it', async () => {
    const b = ticks(2)
    const bytes = b.bytes()
    bytes[b.offsets[4] + 20] ^= 1
    const path = filePath()
    writeFileSync(path, bytes.subarray(0, b.offsets[4]))
    const follower = follow(path)
    await follower.until(2)
    appendFileSync(path, bytes.subarray(b.offsets[4]))
    const error = await follower.done.then(() => undefined, (caught: unknown) => caught)
    expect(error).toBeInstanceOf(TraceFileError)
    expect(error).toMatchObject({ code: 'BAD_CRC', offset: b.offsets[4], eventsRead: 2 })
    expect(follower.seen).toHaveLength(2)
  })

  it('ends without error when the signal aborts while it waits', async () => {
    const path = ticks(1).write(dir, 'abort.rtrc')
    const follower = follow(path)
    await follower.until(2)
    await follower.stop()
    expect(follower.seen).toHaveLength(2)
  })
})
