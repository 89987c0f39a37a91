// createTracer()'s `console` option: coloured human lines for development, written by the export
// worker (docs/logging.md, "Console"). Resolved on the tracer's thread, where the TTY and the
// colour variables are read; the worker gets plain data.

import { isatty } from 'node:tty'
import { TracerError, describeValue } from '../../errors.js'
import { checkKnownKeys } from '../../option-keys.js'
import { checkLoggerLevel } from '../../log/log-filters.js'
import { LOG_LEVELS, type LogLevelName } from '../../log/log-levels.js'

export interface ConsoleOptions {
  /** The least severe line shown (default 'trace': every line the loggers write). */
  level?: LogLevelName
  /** Default 'stdout'. */
  stream?: 'stdout' | 'stderr'
  /** ANSI colours (default: FORCE_COLOR set, else the stream is a TTY and NO_COLOR unset or empty). */
  colors?: boolean
  /** Also show plain events, not only logger lines (default false). Spans are never shown. */
  events?: boolean
  /** Text waiting to be written, 64 KiB to 64 MiB (default 1 MiB); lines past it are dropped and counted. */
  budgetBytes?: number
}

export interface ResolvedConsole {
  /** pino level number. */
  level: number
  fd: 1 | 2
  colors: boolean
  events: boolean
  budgetBytes: number
}

const CONSOLE_KEYS = Object.keys({ level: true, stream: true, colors: true, events: true, budgetBytes: true } satisfies Record<keyof ConsoleOptions, true>)
const DEFAULT_BUDGET_BYTES = 1 << 20

function invalid(name: string, expected: string, value: unknown): TracerError {
  return new TracerError('INVALID_OPTION', `ringtrace: console.${name} must be ${expected}, got ${describeValue(value)}`)
}

function colorsByDefault(fd: number, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false'
  const noColor = env.NO_COLOR
  return isatty(fd) && (noColor === undefined || noColor === '')
}

/** The console a tracer writes, or undefined for none (`false`, or no option). */
export function resolveConsole(value: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedConsole | undefined {
  if (value === undefined || value === false) return undefined
  const options = value === true ? {} : value
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: console must be true, false or an object such as { level: 'debug' }, got ${describeValue(value)}`)
  }
  checkKnownKeys(options, CONSOLE_KEYS, 'console.')
  const { level = 'trace', stream = 'stdout', colors, events = false, budgetBytes = DEFAULT_BUDGET_BYTES } = options as ConsoleOptions
  const levelName = checkLoggerLevel(level, 'console.level')
  if (levelName === 'silent') throw invalid('level', "a logger level ('trace' to 'fatal'; false turns the console off)", level)
  if (stream !== 'stdout' && stream !== 'stderr') throw invalid('stream', "'stdout' or 'stderr'", stream)
  if (colors !== undefined && typeof colors !== 'boolean') throw invalid('colors', 'a boolean', colors)
  if (typeof events !== 'boolean') throw invalid('events', 'a boolean', events)
  if (!Number.isInteger(budgetBytes) || budgetBytes < 64 << 10 || budgetBytes > 64 << 20) {
    throw invalid('budgetBytes', 'an integer from 65536 to 67108864 (bytes)', budgetBytes)
  }
  const fd = stream === 'stdout' ? 1 : 2
  return { level: LOG_LEVELS[levelName], fd, colors: colors ?? colorsByDefault(fd, env), events, budgetBytes }
}
