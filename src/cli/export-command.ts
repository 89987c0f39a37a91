// `ringtrace export <file> --format ndjson|chrome [--output <path>]`

import { createWriteStream } from 'node:fs'
import { TraceReader } from '../reader/trace-reader.js'
import { TraceFileError } from '../reader/trace-file-error.js'
import { writeChromeTrace } from './chrome-export.js'
import { traceFileArgument, type Command } from './command.js'
import { ndjsonLine } from './ndjson-line.js'
import { TextOutput } from './text-output.js'
import { UsageError } from './usage-error.js'

const FORMATS = ['ndjson', 'chrome']

export const exportCommand: Command = {
  name: 'export',
  synopsis: 'export <file> [--format ndjson] [--output <path>]   write every event and loss as JSON lines',
  help: `Usage: ringtrace export <file> [--format ndjson] [--output <path>]

Writes every event and loss report of a trace file, in file order.

Options:
  -f, --format <name>   output format: ndjson (one JSON object per line; the default) or
                        chrome (Trace Event Format JSON for Perfetto and chrome://tracing)
  -o, --output <path>   write to this file instead of stdout
  -h, --help            show this help

ndjson: events are {"kind":"event","name","timestampNs","time","stream","thread","level",
"keyword","opcode","eventId","seq","truncated"?,"fields"}, losses {"kind":"lost","count",
"ringFull","invalid","overwritten","byEvent"?,...}. 64-bit integers are decimal strings, binary
is base64, NaN and infinities are strings, "time" is ISO 8601 and "timestampNs" the exact time
in nanoseconds since the Unix epoch.

chrome: {"displayTimeUnit","otherData","traceEvents"}: spans as complete events (ph X, ts and
dur in µs from otherData.originNs, args = attributes, ids, status), plain events as instants
(ph i), thread and process names as metadata (ph M), spans without a Stop as begin events (ph B)
that never end. See docs/analysis.md.

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
    let damage: TraceFileError | undefined
    if (format === 'chrome') damage = await writeChromeTrace(file, out)
    else damage = await writeNdjson(file, out)
    if (path === undefined) await out.flush()
    else await out.end()
    if (damage === undefined) return 0
    io.stderr.write(`${damage.message}\n`)
    return 1
  },
}

async function writeNdjson(file: string, out: TextOutput): Promise<TraceFileError | undefined> {
  const reader = new TraceReader(file)
  try {
    for await (const batch of reader.batches()) {
      for (const item of batch) out.add(ndjsonLine(item, item.kind === 'event' ? reader.schemaOf(item) : undefined))
      await out.flushIfFull()
      if (out.gone) break
    }
  } catch (error) {
    if (!(error instanceof TraceFileError)) throw error
    return error
  }
  return undefined
}
