// `@traced(tracer)`: a standard (TypeScript 5, TC39) method decorator that runs each call of the
// method inside tracer.span(), so the span starts at the call and ends when the method returns,
// throws, or (async) settles, with the error recorded. The span name is `Class.method` unless
// given; attributes may be taken from the call's arguments.

import { describeValue, TracerError } from '../errors.js'
import { checkKnownKeys } from '../option-keys.js'
import type { AttributeValue } from './span-registry.js'

/** What @traced needs of a tracer: its span(). */
export interface SpanRunner {
  span<R>(name: string, fn: () => R, attributes?: Record<string, AttributeValue>): R
}

export interface TracedOptions<Args extends unknown[] = unknown[]> {
  /** The span name (default `ClassName.methodName`, the class of the first instance made, or the class itself for a static method). */
  name?: string
  /**
   * The span's attributes, from the call's arguments. If it throws, the span has one attribute
   * instead, `traced.attributesError`, the error's message, and the method still runs.
   */
  attributes?: (...args: Args) => Record<string, AttributeValue>
}

/** The attribute that replaces a throwing `attributes` function's result. */
export const ATTRIBUTES_ERROR = 'traced.attributesError'

const TRACED_KEYS = Object.keys({ name: true, attributes: true } satisfies Record<keyof TracedOptions, true>)

function invalid(message: string): TracerError {
  return new TracerError('INVALID_OPTION', `ringtrace: traced(): ${message}`)
}

function attributesOf<Args extends unknown[]>(extract: (...args: Args) => Record<string, AttributeValue>, args: Args): Record<string, AttributeValue> {
  try {
    return extract(...args)
  } catch (error) {
    let message: string
    try {
      message = error instanceof Error ? error.message : describeValue(error)
    } catch {
      message = 'an error that could not be described'
    }
    return { [ATTRIBUTES_ERROR]: message }
  }
}

/**
 * `class Repo { @traced(tracer) async load(id: string) { … } }`: every call is a span. Sync and
 * async methods, static and private ones; the method's result and errors pass through unchanged.
 */
export function traced<This, Args extends unknown[], R>(tracer: SpanRunner, options: TracedOptions<Args> = {}) {
  if (typeof tracer !== 'object' || tracer === null || typeof tracer.span !== 'function') {
    throw invalid(`the first argument must be a tracer, got ${describeValue(tracer)}`)
  }
  if (typeof options !== 'object' || options === null) throw invalid(`options must be an object, got ${describeValue(options)}`)
  checkKnownKeys(options, TRACED_KEYS, 'traced() options.')
  const { name: given, attributes } = options
  if (given !== undefined && (typeof given !== 'string' || given === '')) throw invalid(`name must be a non-empty string, got ${describeValue(given)}`)
  if (attributes !== undefined && typeof attributes !== 'function') {
    throw invalid(`attributes must be a function of the method's arguments, got ${describeValue(attributes)}`)
  }
  return function decorate(method: (this: This, ...args: Args) => R, context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => R>): (this: This, ...args: Args) => R {
    if (typeof context !== 'object' || context === null || context.kind !== 'method') {
      const kind = typeof context === 'object' && context !== null ? String((context as { kind?: unknown }).kind) : 'this'
      throw invalid(`it decorates methods (standard decorators, TypeScript 5), not a ${kind}`)
    }
    const methodName = typeof context.name === 'symbol' ? `[${context.name.description ?? ''}]` : context.name
    let name = given
    if (name === undefined) {
      // Initializers run when an instance is made (for a static method: when the class is), the
      // only moment the decorator sees the class; a name is taken once.
      context.addInitializer(function (this: This) {
        if (name !== undefined) return
        const owner = (context.static ? this : (this as object).constructor) as { name?: unknown }
        name = `${typeof owner.name === 'string' && owner.name !== '' ? owner.name : 'anonymous'}.${methodName}`
      })
    }
    return function tracedMethod(this: This, ...args: Args): R {
      return tracer.span(name ?? methodName, () => method.apply(this, args), attributes === undefined ? undefined : attributesOf(attributes, args))
    }
  }
}
