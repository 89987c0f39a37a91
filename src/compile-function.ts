// The one place the tracer turns generated source into a function: record writers, EventBuilder
// invokers and span kinds, specialised at registration time. (The reader's decoder keeps a
// closure fallback instead: a file must stay readable everywhere.) A process that forbids code
// from strings (`node --disallow-code-generation-from-strings`, a vm context with codeGeneration
// off) gets a TracerError saying so, not V8's bare EvalError.

import { TracerError } from './errors.js'

/** `new Function(...params, body)`; CODEGEN_DISALLOWED where the context forbids it. */
export function compileFunction(params: readonly string[], body: string): (...args: unknown[]) => unknown {
  try {
    return new Function(...params, body) as (...args: unknown[]) => unknown
  } catch (error) {
    if (!(error instanceof EvalError)) throw error
    throw new TracerError('CODEGEN_DISALLOWED', 'ringtrace: registering an event compiles its record writer from generated source, and this process disallows code generation from strings (--disallow-code-generation-from-strings); ringtrace cannot trace here', { cause: error })
  }
}

/**
 * Throws CODEGEN_DISALLOWED now if compileFunction() would: registration asks first, so that
 * nothing (an event id, a SCHEMA chunk, a name) is taken for an event that can have no writer.
 */
export function checkCodegenAllowed(): void {
  compileFunction([], '')
}
