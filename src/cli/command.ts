// What every subcommand provides to the dispatcher in run.ts.

import type { ParseArgsConfig } from 'node:util'
import type { CliIo } from './text-output.js'
import { UsageError } from './usage-error.js'

export type OptionSpec = NonNullable<ParseArgsConfig['options']>

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

export interface Command {
  readonly name: string
  /** One line for `ringtrace --help`. */
  readonly synopsis: string
  readonly help: string
  readonly options: OptionSpec
  /** Resolves to the exit code. */
  run(args: ParsedArgs, io: CliIo): Promise<number>
}

/** The one trace file a command takes. */
export function traceFileArgument(args: ParsedArgs): string {
  if (args.positionals.length !== 1) {
    throw new UsageError(args.positionals.length === 0 ? 'missing <file>' : `expected one <file>, got ${args.positionals.length}`)
  }
  return args.positionals[0]
}
