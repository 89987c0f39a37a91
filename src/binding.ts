// The only file that loads the native addon. node-gyp-build finds build/Release (a local build)
// before prebuilds/<platform>-<arch>.

import { join } from 'node:path'
import type { NativeBinding } from '../binding.js'

export type NativeLoad = { binding: NativeBinding; error?: undefined } | { binding?: undefined; error: Error }

let cached: NativeLoad | undefined

export function loadNative(): NativeLoad {
  if (cached !== undefined) return cached
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- node-gyp-build is CommonJS
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeBinding
    cached = { binding: nodeGypBuild(join(__dirname, '..')) }
  } catch (error) {
    cached = { error: error as Error }
  }
  return cached
}
