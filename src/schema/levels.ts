// Levels as in ETW and TraceLogging: lower is more severe. A tracer at level L records events
// whose level is <= L; LogAlways (0) passes every level.

export const Level = {
  LogAlways: 0,
  Critical: 1,
  Error: 2,
  Warning: 3,
  Info: 4,
  Verbose: 5,
} as const
export type Level = (typeof Level)[keyof typeof Level]

export const Opcode = {
  Info: 0,
  Start: 1,
  Stop: 2,
} as const
