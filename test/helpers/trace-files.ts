// Temporary trace files and helpers to read them back in tests.

import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readTrace } from '../../src/reader/index.js'
import type { TraceEvent, TraceItem, TraceLost } from '../../src/reader/trace-items.js'

let dir: string | undefined
let made = 0

/** A fresh path in this test run's temporary directory (its own mkdtemp, so a count is unique). */
export function tracePath(name: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'ringtrace-test-'))
  mkdirSync(dir, { recursive: true })
  return join(dir, `${name}-${++made}.rtrc`)
}

export async function readAll(path: string): Promise<TraceItem[]> {
  const items: TraceItem[] = []
  for await (const item of readTrace(path)) items.push(item)
  return items
}

export async function readEvents(path: string): Promise<TraceEvent[]> {
  return (await readAll(path)).filter((item): item is TraceEvent => item.kind === 'event')
}

export async function readLost(path: string): Promise<TraceLost[]> {
  return (await readAll(path)).filter((item): item is TraceLost => item.kind === 'lost')
}
