// `ringtrace doctor`: which backend this machine gets, from which binary, and why.

import { join } from 'node:path'
import { loadNative, PACKAGE_ROOT } from '../binding.js'
import { packageVersion } from '../package-version.js'
import type { Command } from './command.js'

interface Diagnosis {
  backend: 'native' | 'js'
  reason: string
  binary: string | null
  binaryKind: 'local build' | 'prebuilt' | null
  platform: string
  libc: string | null
  node: string
  napi: string
  package: { version: string; root: string }
  forced: string | null
}

function libc(): string | null {
  if (process.platform !== 'linux') return null
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
  const glibc = report?.header?.glibcVersionRuntime
  return glibc === undefined ? 'musl or unknown' : `glibc ${glibc}`
}

export function diagnose(): Diagnosis {
  const native = loadNative()
  const forced = process.env.RINGTRACE_BACKEND || null
  const version = packageVersion()
  const binary = native.path ?? null
  let backend: Diagnosis['backend'] = native.binding !== undefined ? 'native' : 'js'
  let reason = native.binding !== undefined ? 'the native addon loads' : `the native addon does not load: ${native.error!.message.split('\n')[0]}`
  if (forced === 'js') {
    backend = 'js'
    reason = 'RINGTRACE_BACKEND=js forces the TS ring'
  }
  return {
    backend,
    reason,
    binary,
    binaryKind: binary === null ? null : binary.includes(join('prebuilds', '')) ? 'prebuilt' : 'local build',
    platform: `${process.platform}-${process.arch}`,
    libc: libc(),
    node: process.version,
    napi: process.versions.napi ?? 'unknown',
    package: { version, root: PACKAGE_ROOT },
    forced,
  }
}

const HELP = `Usage: ringtrace doctor [--json]

Says which backend ringtrace uses here (native or the TS ring), from which binary, and why.

Options:
  --json   print the diagnosis as JSON
`

export const doctorCommand: Command = {
  name: 'doctor',
  synopsis: 'doctor [--json]                                    which backend is used here, and why',
  help: HELP,
  options: { json: { type: 'boolean' } },
  async run(args, io) {
    const d = diagnose()
    if (args.values.json === true) {
      io.stdout.write(`${JSON.stringify(d, null, 2)}\n`)
      return 0
    }
    const rows: [string, string][] = [
      ['backend', `${d.backend} (${d.reason})`],
      ['binary', d.binary === null ? 'none found' : `${d.binary} (${d.binaryKind})`],
      ['platform', d.libc === null ? d.platform : `${d.platform}, ${d.libc}`],
      ['node', `${d.node}, N-API ${d.napi} (ringtrace needs 8)`],
      ['package', `ringtrace ${d.package.version} at ${d.package.root}`],
      ['forced by', d.forced === null ? 'nothing (RINGTRACE_BACKEND unset)' : `RINGTRACE_BACKEND=${d.forced}`],
    ]
    for (const [key, value] of rows) io.stdout.write(`${key.padEnd(10)} ${value}\n`)
    if (d.backend === 'js' && d.forced !== 'js') {
      io.stdout.write('\nTo get the native backend: install cmake (3.20+) and a C++20 compiler, then `npm rebuild ringtrace`.\n')
    }
    return 0
  },
}
