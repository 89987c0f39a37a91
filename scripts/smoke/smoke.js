#!/usr/bin/env node
// Smoke test of a ringtrace build on the platform it runs on: the native backend must load,
// trace events of several types into a file, and read them back exactly; and a child process
// that records into a ring directory (ringDir: a mapped ring file) and kills itself must leave
// rings that `recover` turns back into every event.
//   node scripts/smoke/smoke.js [package dir]        (default: this checkout; needs dist/)
// Prints one line "smoke ok: <platform>-<arch> node <version> backend native <binary>" and
// exits 0, or prints the failure and exits 1.
'use strict'
const { execFileSync } = require('node:child_process')
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
    await ringDirSmoke(dir, join(scratch, 'rings'), join(scratch, 'recovered.rtrc'), readTrace)
    const binary = require('node-gyp-build').path(dir)
    console.log(`smoke ok: ${process.platform}-${process.arch} node ${process.version} backend ${tracer.backend} ${binary}`)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

// The child ends by SIGKILL (TerminateProcess on Windows): nothing of ringtrace runs at its end.
const RING_CHILD = `
const { createTracer, t } = require(process.argv[1])
const tracer = createTracer({ provider: 'Ringtrace.Smoke', backend: 'native', ringDir: process.argv[2], onFull: 'overwrite', ringBytes: 65536, flushOnExit: false })
const trace = tracer.event('Ring', [['i', t.u32], ['s', t.str]])
for (let i = 0; i < 5000; i++) trace(i, 'x'.repeat(i % 50))
process.kill(process.pid, 'SIGKILL')
`

async function ringDirSmoke(dir, rings, output, readTrace) {
  try {
    execFileSync(process.execPath, ['-e', RING_CHILD, dir, rings], { stdio: 'pipe' })
  } catch (error) {
    if (error.status !== null && error.signal !== 'SIGKILL' && error.status !== 1) throw error
  }
  const { recoverRingDir } = require(join(dir, 'dist', 'recorder', 'index.js'))
  const report = recoverRingDir(rings, output)
  const ring = report.rings[0]
  if (report.rings.length !== 1 || ring.damage !== undefined || ring.events < 100) throw new Error(`recover: ${JSON.stringify(report)}`)
  let n = 0
  for await (const item of readTrace(output)) {
    if (item.kind !== 'event') continue
    const i = ring.before + n
    if (item.fields.i !== i || item.fields.s !== 'x'.repeat(i % 50)) throw new Error(`recovered event ${n} is ${JSON.stringify(item.fields)}, expected i ${i}`)
    n++
  }
  if (n !== ring.events || ring.before + n !== 5000) throw new Error(`recovered ${n} events ending at ${ring.before + n}, expected the last at 4999`)
}

main().catch((error) => {
  console.error(`smoke FAILED on ${process.platform}-${process.arch} node ${process.version}: ${error && error.stack || error}`)
  process.exit(1)
})
