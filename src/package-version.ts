// ringtrace's own version, for `ringtrace doctor` and the exporters' User-Agent.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from './binding.js'

let version: string | undefined

/** The version field of ringtrace's package.json, read once. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version
  return version
}
