// `ringtrace recover <dir> --output out.rtrc`: the trace of a process that died, from its ring
// directory (createTracer's ringDir; docs/flight-recorder.md).

import { RecoverError } from '../recorder/recover-error.js'
import { recoverRingDir, type RecoveredRing } from '../recorder/recover.js'
import type { Command } from './command.js'
import { UsageError } from './usage-error.js'

export const recoverCommand: Command = {
  name: 'recover',
  synopsis: 'recover <ring dir> --output <file> [--run id]      rebuild the trace of a process that died',
  help: `Usage: ringtrace recover <ring dir> --output <file.rtrc> [--run <pid>-<run>] [--force] [--json]

Rebuilds a trace file from the ring files a tracer with { ringDir } keeps, after its process
has ended in any way (exit, SIGKILL, abort, an OOM kill, a native crash). Each ring gives what it
still holds, oldest intact record first, every record checked (size, declared event, consecutive
sequence numbers); the record being written at the moment of death is cut, and damage stops a
ring at the last good record. Events no longer in a ring are reported as lost in the trace.

A directory whose process is still running is refused: use tracer.snapshot() there.

Options:
  -o, --output <file>   the trace file to write (mode 0600)
  --run <pid>-<run>     which process, when the directory holds the rings of several
  --force               recover although the pid is alive (the OS gave it to another process)
  --json                print the report as JSON
  -h, --help            show this help
`,
  options: {
    output: { type: 'string', short: 'o' },
    run: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },

  async run(args, io) {
    if (args.positionals.length !== 1) {
      throw new UsageError(args.positionals.length === 0 ? 'missing <ring dir>' : `expected one <ring dir>, got ${args.positionals.length}`)
    }
    const output = args.values.output
    if (typeof output !== 'string' || output.length === 0) throw new UsageError('missing --output <file>')
    const run = args.values.run
    try {
      const report = recoverRingDir(args.positionals[0]!, output, {
        ...(typeof run === 'string' ? { run } : {}),
        force: args.values.force === true,
      })
      if (args.values.json === true) {
        io.stdout.write(`${JSON.stringify(report)}\n`)
      } else {
        io.stdout.write(`recovered ${report.events} events of process ${report.pid} into ${report.output}\n`)
        for (const ring of report.rings) io.stdout.write(`  ${ringLine(ring)}\n`)
      }
      return report.rings.some((ring) => ring.damage !== undefined) ? 1 : 0
    } catch (error) {
      if (!(error instanceof RecoverError)) throw error
      io.stderr.write(`${error.message}\n`)
      return 1
    }
  },
}

function ringLine(ring: RecoveredRing): string {
  const notes = [
    `${ring.events} events`,
    ring.before > 0 ? `${ring.before} earlier ones no longer in the ring` : '',
    ring.unpublished > 0 ? `${ring.unpublished} past the last published position` : '',
    ring.torn ? 'cut the event being written when the process died' : '',
    ring.closed ? 'closed by the tracer' : '',
    ring.metaCut ? 'metadata cut short (the last schema write)' : '',
    ring.damage === undefined ? '' : `DAMAGED at offset ${ring.damage.offset}: ${ring.damage.reason}; the rest of this ring is left out`,
  ].filter((note) => note !== '')
  return `${ring.threadName} (stream ${ring.stream}, ${ring.onFull}): ${notes.join('; ')}`
}
