// `ringtrace tail <file> [--follow] [--format text|ndjson] [--event <name>]... [--level <level>]`

import type { EventSchema } from '../reader/event-schema.js'
import { TraceFileError } from '../reader/trace-file-error.js'
import { TraceFollower, type FileRestart } from '../reader/trace-follower.js'
import type { TraceEvent, TraceItem } from '../reader/trace-items.js'
import { TraceReader } from '../reader/trace-reader.js'
import { traceFileArgument, type Command, type ParsedArgs } from './command.js'
import { parseLevel } from './level-names.js'
import { ndjsonLine } from './ndjson-line.js'
import { TextOutput, type CliIo } from './text-output.js'
import { textLine } from './text-line.js'
import { UsageError } from './usage-error.js'

const LINES = { text: textLine, ndjson: ndjsonLine } as const
type Format = keyof typeof LINES

/** What tail reads from: a TraceReader, or a TraceFollower when following. */
interface ItemSource {
  batches(): AsyncIterable<TraceItem[] | FileRestart>
  schemaOf(event: TraceEvent): EventSchema | undefined
}

const RESTARTS: Record<FileRestart, string> = {
  truncated: 'was truncated (a new trace began): reading it again from the start',
  replaced: 'was replaced by another file: reading that from the start',
}

/** Which events are printed; loss reports always are, as nothing says which events they were. */
function eventFilter(args: ParsedArgs): (event: TraceEvent) => boolean {
  const names = args.values.event as string[] | undefined
  const wanted = names === undefined ? undefined : new Set(names)
  const text = args.values.level as string | undefined
  const level = text === undefined ? undefined : parseLevel(text, '--level')
  // LogAlways (0) passes every level, as it does in a tracer.
  return (event) => (wanted === undefined || wanted.has(event.name)) &&
    (level === undefined || event.level === 0 || event.level <= level)
}

/** Runs `work` with a signal that SIGINT or SIGTERM aborts: following ends cleanly on either. */
async function untilStopped<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const stop = (): void => controller.abort()
  // once: a second signal, while following winds down, ends the process as it normally would.
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    return await work(controller.signal)
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}

export const tailCommand: Command = {
  name: 'tail',
  synopsis: 'tail <file> [--follow] [--format text|ndjson]      print events as they are written',
  help: `Usage: ringtrace tail <file> [--follow] [--format text|ndjson] [--event <name>]... [--level <level>]

Prints the events and loss reports of a trace file, in file order: what the file holds, and
with --follow what is written to it from then on.

Options:
  -f, --follow         keep reading as the file grows, until interrupted (SIGINT, SIGTERM);
                       a file truncated by a new tracer, or replaced, is read from its start
                       again (said on stderr)
  --format <name>      text (one line per event: time, thread, level, name, fields as JSON;
                       the default) or ndjson (the lines of 'ringtrace export --format ndjson')
  --event <name>       only events of this name (repeat for more names)
  --level <level>      only events at this level or more severe: critical (1), error (2),
                       warning (3), info (4), verbose (5), or a number up to 255; events
                       at logalways (0) always pass
  -h, --help           show this help

Loss reports ("lost N events (reasons)") are printed whatever the filters. A damaged file:
what precedes the damage is printed, then the error goes to stderr (exit 1). Without --follow,
a file whose last chunk is still being written counts as damaged, as for every command.
`,
  options: {
    follow: { type: 'boolean', short: 'f' },
    format: { type: 'string', default: 'text' },
    event: { type: 'string', multiple: true },
    level: { type: 'string' },
  },

  async run(args, io) {
    const file = traceFileArgument(args)
    const format = args.values.format as string
    if (!Object.hasOwn(LINES, format)) throw new UsageError(`unknown format '${format}' (formats: ${Object.keys(LINES).join(', ')})`)
    const keep = eventFilter(args)
    const print = (source: ItemSource, live: boolean): Promise<TraceFileError | undefined> =>
      printItems(file, source, { line: LINES[format as Format], keep, live }, io)
    const damage = args.values.follow === true
      ? await untilStopped((signal) => print(new TraceFollower(file, { signal }), true))
      : await print(new TraceReader(file), false)
    if (damage === undefined) return 0
    io.stderr.write(`${damage.message}\n`)
    return 1
  },
}

interface Printing {
  readonly line: (item: TraceItem, schema: EventSchema | undefined) => string
  readonly keep: (event: TraceEvent) => boolean
  /** Flush after every batch, for someone watching; else in large writes. */
  readonly live: boolean
}

/** Prints what `source` yields; returns the damage that stopped it, if any. */
async function printItems(file: string, source: ItemSource, printing: Printing, io: CliIo): Promise<TraceFileError | undefined> {
  const out = new TextOutput(io.stdout)
  let damage: TraceFileError | undefined
  try {
    for await (const batch of source.batches()) {
      if (typeof batch === 'string') {
        await out.flush()
        io.stderr.write(`ringtrace tail: ${file} ${RESTARTS[batch]}\n`)
        continue
      }
      for (const item of batch) {
        if (item.kind === 'lost') out.add(printing.line(item, undefined))
        else if (printing.keep(item)) out.add(printing.line(item, source.schemaOf(item)))
      }
      if (printing.live) await out.flush()
      else await out.flushIfFull()
      if (out.gone) break
    }
  } catch (error) {
    if (!(error instanceof TraceFileError)) throw error
    damage = error
  }
  await out.flush()
  return damage
}
