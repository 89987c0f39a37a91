#!/usr/bin/env node
// Smoke test of the ETW provider on the platform it runs on.
//   node scripts/smoke/etw-smoke.js <package dir> <capture file>
// Windows (scripts/smoke/wine-etw.sh runs it under Wine): a tracer with `etw: {}` (live, no
// trace file) must register its provider and, with no session listening, keep every event
// disabled; then `etw: { forceWrites: true, capture }` writes events of several types and spans
// to ETW with no write error and to <capture file>. Elsewhere: live ETW must throw
// ETW_UNSUPPORTED, and the same calls go to <capture file> in capture mode. The two capture
// files must be byte-identical (scripts/smoke/wine-etw.sh compares them): span ids come from a
// seeded generator here, and capture files have no timestamps.
// Prints "etw smoke ok: <platform>-<arch> node <version> <capture file> (<n> events)" and exits 0,
// or prints the failure and exits 1.
'use strict'
const crypto = require('node:crypto')
const { readFileSync } = require('node:fs')
const { join, resolve } = require('node:path')

// Span ids are random (crypto.randomFillSync, read at call time): a fixed sequence makes the
// capture of one platform comparable byte for byte with another's.
let seed = 0x2545f491
crypto.randomFillSync = (buffer) => {
  for (let i = 0; i < buffer.length; i++) {
    seed = (seed ^ (seed << 13)) >>> 0
    seed = (seed ^ (seed >>> 17)) >>> 0
    seed = (seed ^ (seed << 5)) >>> 0
    buffer[i] = seed & 0xff
  }
  return buffer
}

const PROVIDER = 'Ringtrace.Smoke.Etw'

function check(condition, what) {
  if (!condition) throw new Error(what)
}

function liveWithoutSession(createTracer, t) {
  const tracer = createTracer({ provider: PROVIDER, backend: 'native', etw: {} })
  const trace = tracer.event('Idle', [['i', t.u32]], { level: 4, keyword: 0x1n })
  check(!trace.enabled, 'with no ETW session an event of an ETW-only tracer must be disabled (gate 0)')
  for (let i = 0; i < 10; i++) trace(i)
  tracer.closeSync()
  const stats = tracer.stats()
  check(stats.written === 0 && stats.delivered === 0 && stats.etwWriteErrors === 0, `idle stats ${JSON.stringify(stats)}`)
}

function writeEvents(createTracer, t, etw) {
  const tracer = createTracer({ provider: PROVIDER, backend: 'native', etw })
  const types = tracer.event('Types', [
    ['b', t.bool], ['i8', t.i8], ['u16', t.u16], ['i32', t.i32], ['u64', t.u64], ['f64', t.f64],
    ['g', t.guid], ['s', t.str], ['bin', t.binary], ['ai16', t.i16Array], ['af32', t.f32Array],
  ], { level: 4, keyword: 0x1n })
  const tick = tracer.event('Tick', [['i', t.u32]], { level: 5, keyword: 0x2n })
  const always = tracer.event('Always', [['note', t.str]], { level: 0, keyword: 0n })
  const outer = tracer.defineSpan('Outer', [['job', t.u32]])
  check(types.enabled && tick.enabled && always.enabled, 'forced writes / capture: every event enabled')
  let events = 0
  for (let i = 0; i < 50; i++) {
    types(i % 2 === 0, -i, 65535 - i, -(2 ** 31) + i, 2n ** 64n - 1n - BigInt(i), i / 7,
      '01234567-89ab-cdef-0123-456789abcdef', `événement ${i} 日本`, Uint8Array.of(i, 255 - i),
      [i, -i], [0.5, i])
    tick(i)
    events += 2
  }
  always('done')
  events += 1
  outer.run(() => {
    tracer.span('Inner', () => { tick(1000) }, { depth: 2, label: 'x' })
  }, 7)
  events += 5  // Outer Start/Stop, Inner Start/Stop, the tick between them
  tracer.closeSync()
  const stats = tracer.stats()
  check(stats.delivered === events && stats.lost === 0, `stats ${JSON.stringify(stats)}`)
  check(stats.etwDropped === 0 && stats.etwWriteErrors === 0, `ETW errors ${JSON.stringify(stats)}`)
  return events
}

function main() {
  const dir = resolve(process.argv[2] || join(__dirname, '..', '..'))
  const capture = resolve(process.argv[3] || 'etw-smoke.etwcap')
  const { createTracer, t } = require(dir)
  const { readCapture } = require(join(dir, 'dist', 'etw', 'capture-reader.js'))
  let etw
  if (process.platform === 'win32') {
    liveWithoutSession(createTracer, t)
    etw = { forceWrites: true, capture }
  } else {
    let error = null
    try {
      createTracer({ provider: PROVIDER, backend: 'native', etw: {} })
    } catch (caught) {
      error = caught
    }
    check(error !== null && error.code === 'ETW_UNSUPPORTED', `live ETW off Windows: expected ETW_UNSUPPORTED, got ${error}`)
    etw = { capture }
  }
  const events = writeEvents(createTracer, t, etw)
  const file = readCapture(new Uint8Array(readFileSync(capture)))
  check(file.events.length === events && file.drops.length === 0, `capture holds ${file.events.length} events, ${file.drops.length} drops; expected ${events}`)
  console.log(`etw smoke ok: ${process.platform}-${process.arch} node ${process.version} ${capture} (${events} events)`)
}

try {
  main()
} catch (error) {
  console.error(`etw smoke FAILED on ${process.platform}-${process.arch} node ${process.version}: ${error && error.stack || error}`)
  process.exit(1)
}
