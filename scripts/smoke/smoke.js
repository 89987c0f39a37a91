#!/usr/bin/env node
// Smoke test of a ringtrace build on the platform it runs on: the native backend must load,
// trace events of several types into a file, and read them back exactly.
//   node scripts/smoke/smoke.js [package dir]        (default: this checkout; needs dist/)
// Prints one line "smoke ok: <platform>-<arch> node <version> backend native <binary>" and
// exits 0, or prints the failure and exits 1.
'use strict'
const { mkdtempSync, rmSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join, resolve } = require('node:path')

async function main() {
  const dir = resolve(process.argv[2] || join(__dirname, '..', '..'))
  const { createTracer, t, readTrace } = require(dir)
  const scratch = mkdtempSync(join(tmpdir(), 'ringtrace-smoke-'))
  const file = join(scratch, 'smoke.rtrc')
  try {
    const tracer = createTracer({ provider: 'Ringtrace.Smoke', backend: 'native', file })
    const trace = tracer.event('Smoke', [['i', t.u32], ['big', t.u64], ['x', t.f64], ['s', t.str], ['xs', t.i16Array]])
    for (let i = 0; i < 1000; i++) trace(i, 2n ** 64n - 1n - BigInt(i), i / 3, `event ${i} é`, [i, -i])
    await tracer.close()
    const stats = tracer.stats()
    if (stats.written !== 1000 || stats.delivered !== 1000 || stats.lost !== 0) throw new Error(`stats ${JSON.stringify(stats)}`)
    let n = 0
    for await (const item of readTrace(file)) {
      if (item.kind !== 'event') throw new Error(`unexpected ${item.kind} item`)
      const f = item.fields
      const ok = f.i === n && f.big === 2n ** 64n - 1n - BigInt(n) && f.x === n / 3 && f.s === `event ${n} é` &&
        f.xs.length === 2 && f.xs[0] === n && f.xs[1] === -n
      if (!ok) throw new Error(`event ${n} read back wrong: ${JSON.stringify(f, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`)
      n++
    }
    if (n !== 1000) throw new Error(`read ${n} events, expected 1000`)
    const binary = require('node-gyp-build').path(dir)
    console.log(`smoke ok: ${process.platform}-${process.arch} node ${process.version} backend ${tracer.backend} ${binary}`)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(`smoke FAILED on ${process.platform}-${process.arch} node ${process.version}: ${error && error.stack || error}`)
  process.exit(1)
})
