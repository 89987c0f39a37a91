// The config file: `ringtrace.config.json` (or .cjs, .mjs, .js: a module whose default export
// is the object) in the working directory, or the file RINGTRACE_CONFIG names. It holds
// createTracer options (provider included, if the code gives none), `profile`, and `profiles`:
// options per profile, applied over the file's own when that profile is chosen.

import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describeValue, TracerError } from '../errors.js'

export const CONFIG_NAMES = ['ringtrace.config.json', 'ringtrace.config.cjs', 'ringtrace.config.mjs', 'ringtrace.config.js']

export interface ConfigFile {
  readonly path: string
  /** Its options, `profiles` left out. */
  readonly options: Record<string, unknown>
  readonly profiles: Readonly<Record<string, Record<string, unknown>>>
}

/** Read once per path: tracers in every module and worker of a process share one config. */
const loaded = new Map<string, ConfigFile>()

export function configError(path: string, message: string, cause?: unknown): TracerError {
  return new TracerError('INVALID_OPTION', `ringtrace: ${path}: ${message}`, cause === undefined ? undefined : { cause })
}

function load(path: string): unknown {
  if (path.endsWith('.json')) {
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      throw configError(path, `cannot be read: ${(error as Error).message}`, error)
    }
    try {
      return JSON.parse(text)
    } catch (error) {
      throw configError(path, `is not valid JSON: ${(error as Error).message}`, error)
    }
  }
  try {
    // A module: require() loads CommonJS, and ES modules where Node requires them (20.19, 22.12 on).
    const exported = require(path) as { default?: unknown }
    return exported !== null && typeof exported === 'object' && 'default' in exported ? exported.default : exported
  } catch (error) {
    throw configError(path, `cannot be loaded: ${(error as Error).message}`, error)
  }
}

/** The config file of this process (RINGTRACE_CONFIG, else the first of CONFIG_NAMES in the working directory), or undefined. */
export function findConfigFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ConfigFile | undefined {
  const named = env.RINGTRACE_CONFIG
  let path: string | undefined
  if (named !== undefined && named !== '') {
    path = resolve(cwd, named)
    if (!existsSync(path)) throw configError(path, 'does not exist (RINGTRACE_CONFIG names it)')
  } else {
    path = CONFIG_NAMES.map((name) => resolve(cwd, name)).find((candidate) => existsSync(candidate))
  }
  if (path === undefined) return undefined
  const known = loaded.get(path)
  if (known !== undefined) return known
  const value = load(path)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(path, `must hold an object of createTracer options, got ${describeValue(value)}`)
  }
  const { profiles = {}, ...options } = value as Record<string, unknown>
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) {
    throw configError(path, `profiles must be an object of profile name: options, got ${describeValue(profiles)}`)
  }
  for (const [name, section] of Object.entries(profiles)) {
    if (typeof section !== 'object' || section === null || Array.isArray(section)) {
      throw configError(path, `profiles.${name} must be an object of createTracer options, got ${describeValue(section)}`)
    }
  }
  const file: ConfigFile = { path, options, profiles: profiles as Record<string, Record<string, unknown>> }
  loaded.set(path, file)
  return file
}
