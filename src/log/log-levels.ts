// Logger levels: pino's names and numbers (so pino tooling reads ringtrace's lines as its own),
// and what each becomes in the trace: the ETW level of the line's event (what an ETW session and
// the tracer's level filter see) and the OTLP severity of its log record. trace and debug share
// ETW's finest level, Verbose; the line's SCHEMA keeps the logger level apart (`log`), so no
// reader loses the difference (docs/logging.md).

export const LOG_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const
export type LogLevelName = keyof typeof LOG_LEVELS
/** A logger's threshold: a level, or 'silent' (nothing). */
export type LoggerLevel = LogLevelName | 'silent'

export const LEVEL_NAMES = Object.keys(LOG_LEVELS) as LogLevelName[]
export const DEFAULT_LEVEL: LogLevelName = 'info'

/** Above every level: what 'silent' compares as. */
export const SILENT = Infinity

/** The ETW level (1 Critical .. 5 Verbose) of a logger level; in between, the next coarser. */
export function etwLevelOf(level: number): number {
  if (level >= LOG_LEVELS.fatal) return 1
  if (level >= LOG_LEVELS.error) return 2
  if (level >= LOG_LEVELS.warn) return 3
  if (level >= LOG_LEVELS.info) return 4
  return 5
}

/** OTLP SeverityNumber and text of a logger level (logs data model: TRACE 1, DEBUG 5, ... FATAL 21). */
export function severityOfLogLevel(level: number): readonly [number, string] {
  if (level >= LOG_LEVELS.fatal) return [21, 'FATAL']
  if (level >= LOG_LEVELS.error) return [17, 'ERROR']
  if (level >= LOG_LEVELS.warn) return [13, 'WARN']
  if (level >= LOG_LEVELS.info) return [9, 'INFO']
  if (level >= LOG_LEVELS.debug) return [5, 'DEBUG']
  return [1, 'TRACE']
}
