// ringtrace's own version, from its package.json (the CLI's doctor, the telemetry.sdk.version
// and User-Agent of exports).

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from './binding.js'

export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version
