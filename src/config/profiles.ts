// Profiles: named sets of defaults for where an app runs (docs/logging.md, "Profiles"). Chosen by
// createTracer's `profile`, RINGTRACE_PROFILE or the config file's `profile`; every value here
// is a default the config file, the environment and the code override.

import type { TracerOptions } from '../tracer-options.js'

export const PROFILE_NAMES = ['development', 'staging', 'production', 'test'] as const
export type ProfileName = (typeof PROFILE_NAMES)[number]

/** What production never records: the usual names of secrets, as fields and one level down. */
export const PRODUCTION_REDACT: readonly string[] = [
  'password', 'passwd', 'secret', 'token', 'apiKey', 'api_key', 'authorization', 'cookie',
  '*.password', '*.passwd', '*.secret', '*.token', '*.apiKey', '*.api_key', '*.authorization', '*.cookie',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
]

export const PROFILES: Readonly<Record<ProfileName, Readonly<Partial<TracerOptions>>>> = {
  /** Everything recorded, debug lines included and shown on the console. */
  development: { level: 5, log: { level: 'debug' }, console: true },
  /** Informational and above; debug lines sampled one in ten, trace lines none. */
  staging: { level: 5, log: { level: 'info', sample: { trace: 0, debug: 0.1 } } },
  /** Verbose events off, info lines and above, the usual secrets redacted. */
  production: { level: 4, log: { level: 'info', sample: { trace: 0, debug: 0 } }, redact: PRODUCTION_REDACT },
  /** Everything recorded, only warnings and above logged: tests read traces, not logs. */
  test: { level: 5, log: { level: 'warn' } },
}

export function isProfileName(name: unknown): name is ProfileName {
  return typeof name === 'string' && (PROFILE_NAMES as readonly string[]).includes(name)
}
