// Keys of the tracer's internals, for the modules of this package that need them (EventBuilder,
// spans, tests). A leaf module, as pino's lib/symbols.js: tracer.ts and its users both import
// it instead of each other, and symbol-keyed members marked @internal stay out of the published
// types (tsconfig.build.json strips them), so no user can call them by name.

/** `tracer[registerEvent](valid, as?)`: registers a validated schema under a new event id. */
export const registerEvent = Symbol('ringtrace.registerEvent')
/** `tracer[writerOf](entry, span?)`: the record writer of a registered event. */
export const writerOf = Symbol('ringtrace.writerOf')
/** `tracer[levelOpen](etwLevel)`: whether the tracer is open and its level lets `etwLevel` through (a logger's first check). */
export const levelOpen = Symbol('ringtrace.levelOpen')
/** `tracer[maxStringChars]()`: the tracer's cap of str bytes, which bounds the JSON a logger writes. */
export const maxStringChars = Symbol('ringtrace.maxStringChars')
/** `tracer[logFiltersOf]()`: the tracer's checked `log` option (its loggers' filters). */
export const logFiltersOf = Symbol('ringtrace.logFiltersOf')
/** `tracer[coarseNow]()`: the ring's coarse clock (ms, the collector refreshes it), for rate limits. */
export const coarseNow = Symbol('ringtrace.coarseNow')
/** `tracer[redactionOf]()`: the tracer's checked `redact` option, which its loggers extend. */
export const redactionOf = Symbol('ringtrace.redactionOf')
