// createTracer's options as they take effect: the profile's defaults, then the config file (its
// options, then its section for the profile), then the environment (RINGTRACE_LEVEL,
// RINGTRACE_LOG_LEVEL, RINGTRACE_CONSOLE), then the code. Each layer replaces the one before key by key, and `log`
// one level deeper (a file's log.level and the code's log.rateLimit both apply). `redact` adds
// up instead: a later layer adds paths (and may change the censor) but cannot remove what the
// profile or the file protects. Without a profile, a config file or those variables, the
// code's options are used as they are.
//
// Every value is checked where it comes from, so an error names its source: the file and key
// (`ringtrace: /app/ringtrace.config.json: log.level must be ...`), the variable, or the option.

import { describeValue, TracerError } from '../errors.js'
import { checkLevel, checkKeyword } from '../schema/validate.js'
import { checkLoggerLevel } from '../log/log-filters.js'
import { checkOptions, type TracerOptions } from '../tracer-options.js'
import { configError, findConfigFile, type ConfigFile } from './config-file.js'
import { isProfileName, PROFILE_NAMES, PROFILES, type ProfileName } from './profiles.js'

type Layer = Partial<TracerOptions>

function checkProfile(name: unknown, where: string): ProfileName {
  if (isProfileName(name)) return name
  throw new TracerError('INVALID_OPTION', `ringtrace: ${where} must be one of ${PROFILE_NAMES.map((p) => `'${p}'`).join(', ')}, got ${describeValue(name)}`)
}

/** The options of a file layer, checked as createTracer checks them, errors naming `where`. */
function fileLayer(options: Record<string, unknown>, where: string): Layer {
  try {
    // A placeholder provider: the file need not name one when the code does.
    checkOptions({ provider: 'ringtrace.config', ...options } as TracerOptions)
    if (options.level !== undefined) checkLevel(options.level, 'level')
    if (options.keywords !== undefined) checkKeyword(options.keywords as bigint | number, 'keywords')
  } catch (error) {
    if (!(error instanceof TracerError)) throw error
    throw configError(where, error.message.replace(/^ringtrace: /, ''), error)
  }
  return options as Layer
}

function envLayer(env: NodeJS.ProcessEnv): Layer {
  const layer: Layer = {}
  const level = env.RINGTRACE_LEVEL
  if (level !== undefined && level !== '') {
    const value = Number(level)
    if (!/^[0-5]$/.test(level.trim())) throw new TracerError('INVALID_OPTION', `ringtrace: RINGTRACE_LEVEL must be a level from 0 to 5, got ${describeValue(level)}`)
    layer.level = value
  }
  const console = env.RINGTRACE_CONSOLE
  if (console !== undefined && console !== '') {
    const on = ['1', 'true'].includes(console.trim()) ? true : ['0', 'false'].includes(console.trim()) ? false : undefined
    if (on === undefined) throw new TracerError('INVALID_OPTION', `ringtrace: RINGTRACE_CONSOLE must be 1, true, 0 or false, got ${describeValue(console)}`)
    layer.console = on
  }
  const logLevel = env.RINGTRACE_LOG_LEVEL
  if (logLevel !== undefined && logLevel !== '') layer.log = { level: checkLoggerLevel(logLevel.trim(), 'RINGTRACE_LOG_LEVEL') }
  return layer
}

/** The paths and censor of a checked `redact` option (an array, or { paths, censor }). */
function redactParts(value: unknown): { paths: readonly string[]; censor?: string } {
  return Array.isArray(value) ? { paths: value as string[] } : value as { paths: readonly string[]; censor?: string }
}

function merged(layers: readonly Layer[]): TracerOptions {
  const out: Record<string, unknown> = {}
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue
      if (key === 'log' && typeof out.log === 'object' && typeof value === 'object' && value !== null) {
        out.log = { ...(out.log as object), ...value }
      } else if (key === 'redact' && out.redact !== undefined) {
        const before = redactParts(out.redact)
        const added = redactParts(value)
        const censor = added.censor ?? before.censor
        out.redact = { paths: [...new Set([...before.paths, ...added.paths])], ...(censor === undefined ? {} : { censor }) }
      } else {
        out[key] = value
      }
    }
  }
  return out as unknown as TracerOptions
}

/** The profile in force: the code's, else RINGTRACE_PROFILE, else the file's. */
function profileOf(code: TracerOptions, env: NodeJS.ProcessEnv, file: ConfigFile | undefined): ProfileName | undefined {
  if (code.profile !== undefined) return checkProfile(code.profile, 'profile')
  const fromEnv = env.RINGTRACE_PROFILE
  if (fromEnv !== undefined && fromEnv !== '') return checkProfile(fromEnv.trim(), 'RINGTRACE_PROFILE')
  const fromFile = file?.options.profile
  return fromFile === undefined ? undefined : checkProfile(fromFile, `${file!.path}: profile`)
}

/** `code` with the profile, the config file and the environment applied beneath it. */
export function resolveTracerOptions(code: TracerOptions, env: NodeJS.ProcessEnv = process.env): TracerOptions {
  // Not an object: the constructor says what it expects.
  if (typeof code !== 'object' || code === null) return code
  const file = findConfigFile(env)
  const profile = profileOf(code, env, file)
  const fromEnv = envLayer(env)
  if (profile === undefined && file === undefined && Object.keys(fromEnv).length === 0) return code
  const layers: Layer[] = []
  if (profile !== undefined) layers.push(PROFILES[profile])
  if (file !== undefined) {
    const { profile: _chosen, ...options } = file.options
    layers.push(fileLayer(options, file.path))
    // Every section is checked, chosen or not: a mistake shows on the machine it was made on.
    for (const [name, section] of Object.entries(file.profiles)) {
      checkProfile(name, `${file.path}: profiles key`)
      const checked = fileLayer(section, `${file.path}: profiles.${name}`)
      if (name === profile) layers.push(checked)
    }
  }
  layers.push(fromEnv, code)
  return merged(layers)
}
