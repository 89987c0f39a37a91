// Argument checks of the TS backend's binding functions, thrown as the addon throws them
// (native/addon/addon.cc): a TypeError with code ERR_INVALID_ARG_TYPE for a value of the wrong
// type, a RangeError with code ERR_OUT_OF_RANGE for one out of range, both naming the argument
// by its position.

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'] as const

function argError<E extends Error>(error: E, code: string): E {
  return Object.assign(error, { code })
}

/** A RangeError as the addon throws it. */
export function argRangeError(message: string): RangeError {
  return argError(new RangeError(message), 'ERR_OUT_OF_RANGE')
}

/** `value` as an unsigned 32-bit integer (argument `index`, a `what`). */
export function u32Arg(value: unknown, index: number, what: string): number {
  if (typeof value !== 'number') {
    throw argError(new TypeError(`Expected ${ORDINALS[index]} argument to be a ${what} (number)`), 'ERR_INVALID_ARG_TYPE')
  }
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw argRangeError(`Expected ${ORDINALS[index]} argument to be a ${what} (an integer from 0 to 2^32 - 1)`)
  }
  return value
}

/** `value` as a Uint8Array (argument `index`, holding `what`). */
export function bytesArg(value: unknown, index: number, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw argError(new TypeError(`Expected ${ORDINALS[index]} argument to be a Uint8Array (${what})`), 'ERR_INVALID_ARG_TYPE')
  }
  return value
}
