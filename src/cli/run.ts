// The command dispatcher: parses argv with util.parseArgs, runs one command and returns its exit
// code (0 done, 1 damaged trace or I/O failure, 2 bad command line).

import { parseArgs } from 'node:util'
import type { Command } from './command.js'
import { doctorCommand } from './doctor-command.js'
import { exportCommand } from './export-command.js'
import { guidCommand } from './guid-command.js'
import { recoverCommand } from './recover-command.js'
import { statsCommand } from './stats-command.js'
import { ingestCommand, queryCommand } from './store-commands.js'
import { tailCommand } from './tail-command.js'
import type { CliIo } from './text-output.js'
import { UsageError } from './usage-error.js'
import { viewCommand } from './view-command.js'

export type { CliIo } from './text-output.js'

const COMMANDS: readonly Command[] = [exportCommand, statsCommand, viewCommand, tailCommand, ingestCommand, queryCommand, recoverCommand, doctorCommand, guidCommand]

const HELP = `Usage: ringtrace <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.synopsis}`).join('\n')}

Run 'ringtrace <command> --help' for a command's options.
`

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(HELP)
    return 0
  }
  if (name === undefined) return usage(io, 'missing command', HELP)
  const command = COMMANDS.find((c) => c.name === name)
  if (command === undefined) {
    return usage(io, `unknown command '${name}'`, `Run 'ringtrace --help' for the list of commands.\n`)
  }
  const hint = `Run 'ringtrace ${command.name} --help' for its usage.\n`
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
    if (values.help === true) {
      io.stdout.write(command.help)
      return 0
    }
    return await command.run({ values, positionals }, io)
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      return usage(io, `${command.name}: ${(error as Error).message}`, hint)
    }
    if (isSystemError(error)) {
      io.stderr.write(`ringtrace ${command.name}: ${error.message}\n`)
      return 1
    }
    throw error
  }
}

function usage(io: CliIo, problem: string, hint: string): number {
  io.stderr.write(`ringtrace: ${problem}\n${hint}`)
  return 2
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

/** File system failures (no such file, permission denied, disk full): reported, not thrown. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string'
}
