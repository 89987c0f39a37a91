// What a tracer's loggers write, decided when a logger is made (so a line pays nothing for it):
// components included or excluded by wildcard pattern, a level per component pattern, a default
// level, sampling per level, and a rate limit per line shape (rate-limit.ts). A logger's
// component is its `component` binding, else its event name (the `name` option, default 'log').

import { describeValue, TracerError } from '../errors.js'
import { checkKnownKeys } from '../option-keys.js'
import { LOG_LEVELS, type LoggerLevel, type LogLevelName } from './log-levels.js'
import { checkRateLimit, type CheckedRateLimit, type RateLimit } from './rate-limit.js'

/** createTracer's `log` option (docs/logging.md, "Filters"). */
export interface LogOptions {
  /** The level of this tracer's loggers unless a component rule or the logger says (default 'info'). */
  level?: LoggerLevel
  components?: {
    /** Patterns (`*` any characters): only loggers of a matching component write. */
    include?: readonly string[]
    /** Patterns: loggers of a matching component write nothing (wins over include). */
    exclude?: readonly string[]
    /** Level per pattern; the longest matching pattern decides. */
    levels?: Readonly<Record<string, LoggerLevel>>
  }
  /** Fraction of lines written per level, 0 to 1 (default 1), decided by each line's event gate. */
  sample?: Readonly<Partial<Record<LogLevelName, number>>>
  /**
   * Lines per second per line shape (level, fields: a call site, near enough), with bursts of
   * `burst` (default perSecond); what it holds back is counted in-band (rate-limit.ts).
   */
  rateLimit?: RateLimit
}

interface Pattern {
  readonly text: string
  readonly test: RegExp
}

export interface LogFilters {
  readonly level: LoggerLevel | undefined
  readonly include: readonly Pattern[] | undefined
  readonly exclude: readonly Pattern[]
  readonly levels: readonly (Pattern & { readonly level: LoggerLevel })[]
  /** Per level number, the sample rate (absent: 1). */
  readonly sample: ReadonlyMap<number, number>
  readonly rateLimit: CheckedRateLimit | undefined
}

const NO_FILTERS: LogFilters = { level: undefined, include: undefined, exclude: [], levels: [], sample: new Map(), rateLimit: undefined }

const invalid = (key: string, expected: string, value: unknown): TracerError =>
  new TracerError('INVALID_OPTION', `ringtrace: ${key} must be ${expected}, got ${describeValue(value)}`)

export function checkLoggerLevel(level: unknown, key: string): LoggerLevel {
  if (level === 'silent' || (typeof level === 'string' && Object.hasOwn(LOG_LEVELS, level))) return level as LoggerLevel
  throw invalid(key, `one of ${[...Object.keys(LOG_LEVELS), 'silent'].map((l) => `'${l}'`).join(', ')}`, level)
}

/** A wildcard pattern (`*` any characters, everything else itself) as a whole-string RegExp source. */
export function wildcardSource(text: string): string {
  return `^${text.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`
}

function pattern(text: unknown, key: string): Pattern {
  if (typeof text !== 'string' || text === '') throw invalid(key, 'a non-empty pattern string', text)
  return { text, test: new RegExp(wildcardSource(text), 's') }
}

function patterns(list: unknown, key: string): Pattern[] {
  if (!Array.isArray(list)) throw invalid(key, 'an array of patterns', list)
  return list.map((text, i) => pattern(text, `${key}[${i}]`))
}

function rate(value: unknown, key: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw invalid(key, `a number of at least ${min}`, value)
  return value
}

/** The `log` option checked; every mistake names its key. */
export function resolveLogFilters(option: unknown): LogFilters {
  if (option === undefined) return NO_FILTERS
  if (typeof option !== 'object' || option === null) throw invalid('log', 'an object', option)
  checkKnownKeys(option as Record<string, unknown>, ['level', 'components', 'sample', 'rateLimit'], 'log.')
  const { level, components, sample, rateLimit } = option as LogOptions
  let include: Pattern[] | undefined
  let exclude: Pattern[] = []
  let levels: (Pattern & { level: LoggerLevel })[] = []
  if (components !== undefined) {
    if (typeof components !== 'object' || components === null) throw invalid('log.components', 'an object', components)
    checkKnownKeys(components as Record<string, unknown>, ['include', 'exclude', 'levels'], 'log.components.')
    if (components.include !== undefined) include = patterns(components.include, 'log.components.include')
    if (components.exclude !== undefined) exclude = patterns(components.exclude, 'log.components.exclude')
    if (components.levels !== undefined) {
      if (typeof components.levels !== 'object' || components.levels === null) throw invalid('log.components.levels', 'an object of pattern: level', components.levels)
      levels = Object.entries(components.levels).map(([text, l]) => ({
        ...pattern(text, `log.components.levels[${JSON.stringify(text)}]`),
        level: checkLoggerLevel(l, `log.components.levels[${JSON.stringify(text)}]`),
      }))
      // Longest first: the most specific pattern decides.
      levels.sort((a, b) => b.text.length - a.text.length)
    }
  }
  const rates = new Map<number, number>()
  if (sample !== undefined) {
    if (typeof sample !== 'object' || sample === null) throw invalid('log.sample', 'an object of level: rate', sample)
    checkKnownKeys(sample as Record<string, unknown>, Object.keys(LOG_LEVELS), 'log.sample.')
    for (const [name, value] of Object.entries(sample)) {
      const r = rate(value, `log.sample.${name}`, 0)
      if (r > 1) throw invalid(`log.sample.${name}`, 'a number from 0 to 1', value)
      rates.set(LOG_LEVELS[name as LogLevelName], r)
    }
  }
  const limit = rateLimit === undefined ? undefined : checkRateLimit(rateLimit, 'log.rateLimit')
  return {
    level: level === undefined ? undefined : checkLoggerLevel(level, 'log.level'),
    include,
    exclude,
    levels,
    sample: rates,
    rateLimit: limit,
  }
}

/**
 * The level a logger of `component` starts at: 'silent' when the component is excluded (or not
 * included), else the longest matching component rule's, else the tracer's `log.level`, else
 * `fallback`.
 */
export function componentLevel(filters: LogFilters, component: string, fallback: LoggerLevel): LoggerLevel {
  if (filters.exclude.some((p) => p.test.test(component))) return 'silent'
  if (filters.include !== undefined && !filters.include.some((p) => p.test.test(component))) return 'silent'
  return filters.levels.find((p) => p.test.test(component))?.level ?? filters.level ?? fallback
}
