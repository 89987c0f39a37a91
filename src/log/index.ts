// The logger (docs/logging.md): tracer.logger() makes one; these are its types and levels.

export type { Logger, LogFn, LoggerOptions } from './logger.js'
export { LOG_LEVELS } from './log-levels.js'
export type { LoggerLevel, LogLevelName } from './log-levels.js'
export { withCorrelation, currentCorrelation } from './correlation.js'
