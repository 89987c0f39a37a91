// The only file that loads the native addon. node-gyp-build finds build/Release (a local build)
// before prebuilds/<platform>-<arch>.

import { join } from 'node:path'
import type { BindingTestHooks, NativeBinding } from '../binding.js'

export type NativeLoad =
  | { binding: NativeBinding & BindingTestHooks; path: string; error?: undefined }
  | { binding?: undefined; path?: string; error: Error }

/** The package root: the directory with package.json, prebuilds/ and build/. */
export const PACKAGE_ROOT = join(__dirname, '..')

let cached: NativeLoad | undefined

export function loadNative(): NativeLoad {
  if (cached !== undefined) return cached
  let path: string | undefined
  try {
    // require(), not import: node-gyp-build is CommonJS.
    const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string }
    path = nodeGypBuild.path(PACKAGE_ROOT)
    // require(), not import: the addon is a native module.
    cached = { binding: require(path) as NativeBinding & BindingTestHooks, path }
  } catch (error) {
    cached = { error: error as Error, path }
  }
  return cached
}
