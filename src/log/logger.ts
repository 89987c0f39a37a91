// The logger: pino's call shapes on ringtrace's rings.
//
//   const log = tracer.logger({ service: 'api' })
//   log.info({ userId, ms }, 'signed in')        log.info('user %s signed in', name)
//   log.error(err, 'request failed')              log.child({ reqId }).warn('slow')
//
// A line is a record: `msg`, the bindings, then the object's own enumerable keys, each stored as
// its value's kind (line-shapes.ts). The shape is found by walking the trie one key at a time
// (the common case: the first child matches, two comparisons), the values go into a reused slot
// array, and the shape's record writer stores them, so a repeated call site allocates nothing
// for numbers and booleans. Objects, arrays and Errors are stored as JSON text (line-json.ts).
//
// Levels: a level below the logger's is a no-op method (one call V8 inlines away); above it, the
// tracer's level and the line's event gate decide as for any event. A line is always correlated:
// inside a span it carries the span's trace and span id.

import type { Tracer } from '../tracer.js'
import { coarseNow, levelOpen, logFiltersOf, maxStringChars, redactionOf } from '../internal-symbols.js'
import { checkLoggerLevel, componentLevel, type LogFilters } from './log-filters.js'
import { mergeRedaction, parseRedaction, type Redaction, type RedactOption } from '../schema/redaction.js'
import { TracerError, describeValue } from '../errors.js'
import { MAX_FIELDS } from '../format/record-layout.js'
import { SPAN_CONTEXT_FIELDS } from '../format/span-records.js'
import type { ShapeNode } from '../dynamic/shape-cache.js'
import { errorJson, jsonText } from './line-json.js'
import { CORRELATION_FIELD, MESSAGE_FIELD } from '../format/log-lines.js'
import { correlationStorage } from './correlation.js'
import { lineHead, LineCode, registerLine, type LineShape } from './line-shapes.js'
import { DEFAULT_LEVEL, etwLevelOf, LEVEL_NAMES, LOG_LEVELS, SILENT, type LoggerLevel, type LogLevelName } from './log-levels.js'
import { formatMessage } from './printf.js'
import { checkKnownKeys } from '../option-keys.js'
import { checkName } from '../schema/validate.js'

/** A log method: `(obj, msg?, ...args)` or `(msg, ...args)`, as pino's. */
export interface LogFn {
  (obj: unknown, msg?: string, ...args: unknown[]): void
  (msg: string, ...args: unknown[]): void
}

export interface LoggerOptions {
  /** The lowest level written (default 'info', as pino's). */
  level?: LoggerLevel
  /** The event name of this logger's lines (default 'log'); children keep it. */
  name?: string
  /**
   * Paths whose values never reach the ring, besides the tracer's `redact` (pino's syntax;
   * docs/logging.md, "Redaction"); children keep them and may add their own.
   */
  redact?: RedactOption
}

const LOGGER_OPTION_KEYS = Object.keys({ level: true, name: true, redact: true } satisfies Record<keyof LoggerOptions, true>)
const CHILD_OPTION_KEYS = ['level', 'redact']

const NOOP: LogFn = () => {}

/** Fields a line can have besides the span context: msg, bindings and keys. */
export const MAX_LINE_FIELDS = MAX_FIELDS - SPAN_CONTEXT_FIELDS.length
const DEFAULT_NAME = 'log'

/** A bigint the i64 field takes. */
const fitsI64 = (value: bigint): boolean => value >= -(2n ** 63n) && value < 2n ** 63n


/**
 * A line's string fields are cut at this many bytes, or the tracer's maxStringBytes if larger:
 * an Error's JSON with its stack and a cause's is often past the tracer's default 1 KiB, and a
 * cut JSON text is no JSON (it is then flagged, and exported as a string).
 */
export const LINE_STRING_BYTES = 8192

/** The part of a logger its children share: where its lines go and how they are cut. */
interface LoggerRoot {
  readonly tracer: Tracer
  readonly eventName: string
  /** The cap of the line's string fields (LINE_STRING_BYTES): JSON is not written far past it. */
  readonly maxChars: number
  /** The tracer's redaction and the logger's: one object per set of paths, which keys the shapes. */
  readonly redaction: Redaction | undefined
  /** The tracer's `log` option: levels by component, sampling, rate limit. */
  readonly filters: LogFilters
}

export class Logger {
  trace: LogFn = NOOP
  debug: LogFn = NOOP
  info: LogFn = NOOP
  warn: LogFn = NOOP
  error: LogFn = NOOP
  fatal: LogFn = NOOP
  private threshold: number
  private levelName: LoggerLevel
  /** The fields before a line's keys: the bindings; with a correlation id in scope, it first. */
  private readonly plain: LinePrefix
  private correlated: LinePrefix | undefined = undefined
  private readonly bindingNames: readonly string[]
  private readonly bindingCodes: readonly number[]
  private readonly bindingValues: readonly unknown[]

  /** @internal Loggers come from tracer.logger() and child(). */
  constructor(private readonly root: LoggerRoot, private readonly given: Record<string, unknown>,
    bindingNames: readonly string[], bindingCodes: readonly number[], bindingValues: readonly unknown[], level: LoggerLevel) {
    this.bindingNames = bindingNames
    this.bindingCodes = bindingCodes
    this.bindingValues = bindingValues
    this.plain = this.prefix(false)
    this.threshold = SILENT
    this.levelName = level
    this.level = level
  }

  /** The lowest level written: 'trace' .. 'fatal', or 'silent'. Setting it takes effect at once. */
  get level(): LoggerLevel {
    return this.levelName
  }

  set level(level: LoggerLevel) {
    const name = checkLoggerLevel(level, 'level')
    this.levelName = name
    this.threshold = name === 'silent' ? SILENT : LOG_LEVELS[name]
    LEVEL_NAMES.forEach((levelName, index) => {
      this[levelName] = LOG_LEVELS[levelName] >= this.threshold ? this.method(index) : NOOP
    })
  }

  /** Whether a line of `level` is written by this logger (the tracer may still filter it). */
  isLevelEnabled(level: LogLevelName): boolean {
    const name = checkLoggerLevel(level, 'level')
    return name !== 'silent' && LOG_LEVELS[name] >= this.threshold
  }

  /** The bindings of this logger and its parents, as given. */
  bindings(): Record<string, unknown> {
    return { ...this.given }
  }

  /**
   * A logger whose lines carry `bindings` too (read once, now), at this logger's level and with
   * its redaction, unless `options` say otherwise (`redact` adds paths).
   */
  child(bindings: Record<string, unknown>, options: Pick<LoggerOptions, 'level' | 'redact'> = {}): Logger {
    if (typeof bindings !== 'object' || bindings === null) {
      throw new TracerError('INVALID_OPTION', `ringtrace: child() expects an object of bindings, got ${describeValue(bindings)}`)
    }
    if (typeof options !== 'object' || options === null) {
      throw new TracerError('INVALID_OPTION', `ringtrace: child() options must be an object, got ${describeValue(options)}`)
    }
    checkKnownKeys(options, CHILD_OPTION_KEYS, '')
    const root: LoggerRoot = options.redact === undefined ? this.root
      : { ...this.root, redaction: sharedRedaction(this.root.tracer, mergeRedaction(this.root.redaction, parseRedaction(options.redact, 'redact'))) }
    const names = [...this.bindingNames]
    const codes = [...this.bindingCodes]
    const values = [...this.bindingValues]
    const own = readBindings(bindings, root)
    if (names.length + own.names.length >= MAX_LINE_FIELDS) {
      throw new TracerError('TOO_MANY_FIELDS', `ringtrace: a logger's bindings hold at most ${MAX_LINE_FIELDS - 2} keys`)
    }
    names.push(...own.names)
    codes.push(...own.codes)
    values.push(...own.values)
    // A child of another component starts at that component's level (log.components.levels).
    const component = (bindings as { component?: unknown }).component
    const level = options.level !== undefined ? checkLoggerLevel(options.level, 'level')
      : typeof component === 'string' ? componentLevel(root.filters, component, this.levelName) : this.levelName
    return new Logger(root, { ...this.given, ...bindings }, names, codes, values, level)
  }

  /** The method of level `index`, bound to this logger (so `const { info } = log` works too). */
  private method(index: number): LogFn {
    const logger = this
    const level = LOG_LEVELS[LEVEL_NAMES[index]!]
    const etwLevel = etwLevelOf(level)
    return function line(this: unknown, a?: unknown, b?: unknown): void {
      if (!logger.root.tracer[levelOpen](etwLevel)) return
      // Reading arguments.length costs nothing; copying the arguments is left to a line that
      // has printf arguments (an object first: after the message; else after the first).
      const printf = arguments.length > (typeof a === 'object' && a !== null ? 2 : 1)
      // eslint-disable-next-line prefer-rest-params
      const args = printf ? Array.prototype.slice.call(arguments) : undefined
      // A getter of a logged object may log too: that line gets scratch slots of its own. Here,
      // not in a method of its own: one call less per line.
      const scratch = shared.busy ? new LineScratch() : shared
      scratch.busy = true
      try {
        logger.writeWith(scratch, index, level, a, b, args)
      } finally {
        scratch.busy = false
      }
    } as LogFn
  }

  /** The prefix of lines without (`correlated` false) or with a correlation id: its fields and trie nodes. */
  private prefix(correlated: boolean): LinePrefix {
    const names = correlated ? [CORRELATION_FIELD, ...this.bindingNames] : [...this.bindingNames]
    const codes = correlated ? [LineCode.str, ...this.bindingCodes] : [...this.bindingCodes]
    const { tracer, eventName, redaction } = this.root
    return {
      names,
      codes,
      // From slot 1 (slot 0 is the message); a correlation id's slot is filled per line.
      values: [undefined, ...(correlated ? [undefined] : []), ...this.bindingValues],
      fixed: 1 + names.length,
      nodes: LEVEL_NAMES.map((name) => {
        let node = lineHead(tracer, eventName, redaction, LOG_LEVELS[name])
        for (let i = 0; i < names.length; i++) node = node.childOrAdd(names[i]!, codes[i]!)
        return node
      }),
    }
  }

  private writeWith(scratch: LineScratch, index: number, level: number, a: unknown, b: unknown, args: unknown[] | undefined): void {
    const { values } = scratch
    const correlation = correlationStorage.getStore()
    const prefix = correlation === undefined ? this.plain : (this.correlated ??= this.prefix(true))
    const { fixed } = prefix
    for (let i = 1; i < fixed; i++) values[i] = prefix.values[i]
    if (correlation !== undefined) values[1] = correlation
    let node: ShapeNode | null = prefix.nodes[index]!
    let n = fixed
    let message: unknown = a
    // Module variables are stored only by walk(): a store to them per line cost more than locals.
    let last: ShapeNode | null = node
    let recordFrom = fixed
    if (typeof a === 'object' && a !== null) {
      message = b
      scratch.message = undefined
      if (a instanceof Error) {
        scratch.names[n] = 'err'
        scratch.codes[n] = LineCode.json
        values[n++] = jsonValue(a, 'err', this.root)
        node = node.child('err', LineCode.json)
        if (message === undefined) message = errorMessage(a)
      } else {
        n = walk(a, scratch, n, this.root, node)
        node = walkEnd
        last = walkLast
        recordFrom = walkRecordFrom
        if (message === undefined) message = scratch.message
      }
    }
    values[0] = typeof message === 'string' && args === undefined ? message
      : messageText(message, args, typeof a === 'object' && a !== null ? 2 : 1, this.root.maxChars)
    let shape = node?.shapes[0] as LineShape | undefined
    if (shape === undefined) {
      // A new shape: the walk recorded the names and kinds from where it left the known
      // shapes; before that, they are the path to where it left (each value was read once).
      const { names, codes } = scratch
      let known: ShapeNode | null = last
      for (let i = recordFrom - 1; i >= fixed && known !== null; i--, known = known.parent) {
        names[i] = known.name
        codes[i] = known.code
      }
      shape = this.register(scratch, prefix, index, level, n)
      if (shape === undefined) return
    }
    if (shape.limit !== undefined && !shape.limit.take(this.root.tracer[coarseNow]())) return
    shape.invoke(shape.writer, values, 0)
  }

  private register(scratch: LineScratch, prefix: LinePrefix, index: number, level: number, count: number): LineShape | undefined {
    const { names, codes } = scratch
    names[0] = MESSAGE_FIELD
    codes[0] = LineCode.str
    for (let i = 1; i < prefix.fixed; i++) {
      names[i] = prefix.names[i - 1]!
      codes[i] = prefix.codes[i - 1]!
    }
    try {
      const { tracer, eventName, maxChars, redaction, filters } = this.root
      return registerLine(tracer, lineHead(tracer, eventName, redaction, LOG_LEVELS[LEVEL_NAMES[index]!]), level, names, codes, count, {
        maxStringBytes: maxChars, redaction, sampleRate: filters.sample.get(level) ?? 1, rateLimit: filters.rateLimit,
      })
    } catch {
      // The tracer holds no more events (TOO_MANY_EVENTS) or was closed meanwhile: this line is lost.
      return undefined
    }
  }
}

/** The fields a logger puts before a line's keys, with the trie node they lead to per level. */
interface LinePrefix {
  readonly names: readonly string[]
  readonly codes: readonly number[]
  /** Their values from slot 1 on. */
  readonly values: readonly unknown[]
  /** Slots they take, the message's included. */
  readonly fixed: number
  readonly nodes: readonly ShapeNode[]
}

/** A line's slots: its values in field order, and the names and kinds of a shape not met before. */
class LineScratch {
  readonly values: unknown[] = new Array<unknown>(MAX_LINE_FIELDS).fill(undefined)
  readonly names: string[] = new Array<string>(MAX_LINE_FIELDS).fill('')
  readonly codes: number[] = new Array<number>(MAX_LINE_FIELDS).fill(0)
  /** The object's `msg`, which pino takes as the message when none is given. */
  message: unknown = undefined
  busy = false
}

const shared = new LineScratch()

/**
 * The value kind of `value` as a field code; SKIP for what JSON leaves out (undefined, functions,
 * symbols). Tests, not `switch (typeof value)`: V8 compiles `typeof v === 'number'` to a type
 * check, a switch to a call making the type's name and string compares against it.
 */
function codeOf(value: unknown): number {
  if (typeof value === 'number') return LineCode.number
  if (typeof value === 'string') return LineCode.str
  if (typeof value === 'boolean') return LineCode.bool
  if (typeof value === 'object') return LineCode.json
  if (typeof value === 'bigint') return fitsI64(value) ? LineCode.bigint : LineCode.json
  return SKIP
}

const SKIP = -1

/** Where walk() left the trie: null once the keys left the shapes met before. */
let walkEnd: ShapeNode | null = null
/** The last known node of the walk, and the first slot whose name and kind the walk recorded. */
let walkLast: ShapeNode | null = null
let walkRecordFrom = 0

/**
 * Stores the own enumerable keys of `object` from slot `n` on and returns the next free slot,
 * following the trie from `node`: walkEnd is where it got (null once the keys left the shapes
 * met before). From there on it records each key's name and kind (walkLast, walkRecordFrom):
 * storing names on every line cost about 8 ns a line of 4 keys.
 */
function walk(object: object, scratch: LineScratch, n: number, root: LoggerRoot, node: ShapeNode | null): number {
  const { values, names, codes } = scratch
  // Locals, stored to the module's variables once at the end: a store per key to them cost more.
  let last = node
  let recordFrom = n
  try {
    for (const key in object) {
      // This form, not Object.hasOwn: V8 proves it true for a for-in key of the same object and
      // drops it (measured: a line of 4 keys cost 30 ns more with Object.hasOwn).
      // eslint-disable-next-line no-prototype-builtins
      if (!Object.prototype.hasOwnProperty.call(object, key)) continue
      const value = (object as Record<string, unknown>)[key]
      if (key === MESSAGE_FIELD) {
        // pino: an object's msg is the message when none is given; never a field.
        if (value !== undefined) scratch.message = value
        continue
      }
      const code = codeOf(value)
      if (code === SKIP) continue
      if (n === MAX_LINE_FIELDS) break
      if (node !== null) {
        node = node.child(key, code)
        if (node !== null) {
          last = node
          recordFrom = n + 1
        }
      }
      if (node === null) {
        names[n] = key
        codes[n] = code
      }
      // A redacted key's value (a one-segment path) is replaced by the record writer itself.
      values[n++] = code !== LineCode.json ? value : jsonValue(value, key, root)
    }
  } catch {
    // A getter or Proxy trap threw: the line keeps the keys read before it.
  }
  walkEnd = node
  walkLast = last
  walkRecordFrom = recordFrom
  return n
}

/** The message of a line: text, formatted when printf arguments follow it (`args`, from index `from`). */
function messageText(message: unknown, args: unknown[] | undefined, from: number, maxChars: number): string {
  if (message === undefined) return ''
  if (typeof message === 'string') return args !== undefined ? formatMessage(message, args, from, maxChars) : message
  if (typeof message === 'object' && message !== null) return jsonText(message, maxChars)
  try {
    return String(message)
  } catch {
    return '[unprintable]'
  }
}

function errorMessage(error: Error): string | undefined {
  try {
    return typeof error.message === 'string' ? error.message : undefined
  } catch {
    return undefined
  }
}

/**
 * The JSON text of an object, array, Error or null logged under `key`, with the paths below
 * `key` redacted; the censor alone when a path ends at `key`.
 */
function jsonValue(value: unknown, key: string, root: LoggerRoot): string {
  const { maxChars, redaction } = root
  const below = redaction?.tree.child(key)
  if (below === undefined) return value instanceof Error ? errorJson(value, maxChars) : jsonText(value, maxChars)
  if (below.terminal) return redaction!.censor
  const paths = { tree: below, censor: redaction!.censor }
  return value instanceof Error ? errorJson(value, maxChars, paths) : jsonText(value, maxChars, paths)
}

/** Bindings as stored: read once, each value's kind fixed from then on. */
function readBindings(bindings: object, root: LoggerRoot): { names: string[]; codes: number[]; values: unknown[] } {
  const names: string[] = []
  const codes: number[] = []
  const values: unknown[] = []
  for (const key of Object.keys(bindings)) {
    const value = (bindings as Record<string, unknown>)[key]
    if (key === MESSAGE_FIELD) continue
    switch (typeof value) {
      case 'string': codes.push(LineCode.str); values.push(value); break
      case 'number': codes.push(LineCode.number); values.push(value); break
      case 'boolean': codes.push(LineCode.bool); values.push(value); break
      case 'bigint': codes.push(fitsI64(value) ? LineCode.bigint : LineCode.json); values.push(fitsI64(value) ? value : String(value)); break
      case 'object':
        codes.push(LineCode.json)
        values.push(jsonValue(value, key, root))
        break
      default: continue
    }
    names.push(key)
  }
  return { names, codes, values }
}

/** Per tracer, its loggers' redactions by their paths and censor (a JSON key). */
const redactions = new WeakMap<Tracer, Map<string, Redaction>>()

/**
 * The one Redaction object of `redaction`'s paths and censor on `tracer`: the shapes of lines are
 * kept per object, so loggers made with the same paths (one per request, say) share them.
 */
function sharedRedaction(tracer: Tracer, redaction: Redaction | undefined): Redaction | undefined {
  if (redaction === undefined || redaction === tracer[redactionOf]()) return redaction
  let byKey = redactions.get(tracer)
  if (byKey === undefined) {
    byKey = new Map()
    redactions.set(tracer, byKey)
  }
  const key = JSON.stringify([redaction.paths, redaction.censor])
  const known = byKey.get(key)
  if (known !== undefined) return known
  byKey.set(key, redaction)
  return redaction
}

/** tracer.logger(): a root logger of `tracer`. */
export function createLogger(tracer: Tracer, bindings: Record<string, unknown> = {}, options: LoggerOptions = {}): Logger {
  if (typeof bindings !== 'object' || bindings === null) {
    throw new TracerError('INVALID_OPTION', `ringtrace: logger() expects an object of bindings, got ${describeValue(bindings)}`)
  }
  if (typeof options !== 'object' || options === null) {
    throw new TracerError('INVALID_OPTION', `ringtrace: logger() options must be an object, got ${describeValue(options)}`)
  }
  checkKnownKeys(options, LOGGER_OPTION_KEYS, '')
  const eventName = options.name === undefined ? DEFAULT_NAME : checkName('event', options.name, 'text')
  const filters = tracer[logFiltersOf]()
  const component = (bindings as { component?: unknown }).component
  const level = options.level !== undefined ? checkLoggerLevel(options.level, 'level')
    : componentLevel(filters, typeof component === 'string' ? component : eventName, DEFAULT_LEVEL)
  const root: LoggerRoot = {
    tracer,
    eventName,
    filters,
    maxChars: Math.max(tracer[maxStringChars](), LINE_STRING_BYTES),
    redaction: sharedRedaction(tracer, mergeRedaction(tracer[redactionOf](), parseRedaction(options.redact, 'redact'))),
  }
  const read = readBindings(bindings, root)
  return new Logger(root, { ...bindings }, read.names, read.codes, read.values, level)
}
