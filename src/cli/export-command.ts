// `ringtrace export <file> --format ndjson [--output <path>]`

import { createWriteStream } from 'node:fs'
import { TraceReader } from '../reader/trace-reader.js'
import { TraceFileError } from '../reader/trace-file-error.js'
import { traceFileArgument, type Command } from './command.js'
import { ndjsonLine } from './ndjson-line.js'
import { TextOutput } from './text-output.js'
import { UsageError } from './usage-error.js'

const FORMATS = ['ndjson']

export const exportCommand: Command = {
  name: 'export',
  synopsis: 'export <file> [--format ndjson] [--output <path>]   write every event and loss as JSON lines',
  help: `Usage: ringtrace export <file> [--format ndjson] [--output <path>]

Writes every event and loss report of a trace file, in file order.

Options:
  -f, --format <name>   output format: ndjson (one JSON object per line; the default)
  -o, --output <path>   write to this file instead of stdout
  -h, --help            show this help

ndjson: events are {"kind":"event","name","timestampNs","time","stream","thread","level",
"keyword","opcode","eventId","seq","truncated"?,"fields"}, losses {"kind":"lost","count",
"ringFull","invalid","overwritten","byEvent"?,...}. 64-bit integers are decimal strings, binary
is base64, NaN and infinities are strings, "time" is ISO 8601 and "timestampNs" the exact time
in nanoseconds since the Unix epoch.

A damaged file: what precedes the damage is written, then the error goes to stderr (exit 1).
`,
  options: {
    format: { type: 'string', short: 'f', default: 'ndjson' },
    output: { type: 'string', short: 'o' },
  },

  async run(args, io) {
    const file = traceFileArgument(args)
    const format = args.values.format as string
    if (!FORMATS.includes(format)) throw new UsageError(`unknown format '${format}' (formats: ${FORMATS.join(', ')})`)
    const path = args.values.output as string | undefined
    const out = new TextOutput(path === undefined ? io.stdout : createWriteStream(path))
    const reader = new TraceReader(file)
    let damage: TraceFileError | undefined
    try {
      for await (const batch of reader.batches()) {
        for (const item of batch) out.add(ndjsonLine(item, item.kind === 'event' ? reader.schemaOf(item) : undefined))
        await out.flushIfFull()
        if (out.gone) break
      }
    } catch (error) {
      if (!(error instanceof TraceFileError)) throw error
      damage = error
    }
    if (path === undefined) await out.flush()
    else await out.end()
    if (damage === undefined) return 0
    io.stderr.write(`${damage.message}\n`)
    return 1
  },
}
