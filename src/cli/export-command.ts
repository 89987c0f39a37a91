// `ringtrace export <file> --format ndjson|chrome|pino [--output <path>]`, `--format perfetto --output <path>`,
// `--format otlp [--endpoint <url>] ...`

import { createWriteStream } from 'node:fs'
import { pinoLine } from '../exporters/pino-line.js'
import { TraceReader } from '../reader/trace-reader.js'
import type { TraceItem } from '../reader/trace-items.js'
import { TraceFileError } from '../reader/trace-file-error.js'
import { ChromeTraceEncoder } from '../exporters/chrome-trace.js'
import { PerfettoTraceEncoder } from '../exporters/perfetto/perfetto-trace-encoder.js'
import { writeEncodedTrace } from './encoded-export.js'
import { traceFileArgument, type Command } from './command.js'
import { ndjsonLine } from './ndjson-line.js'
import { exportOtlp } from './otlp-export.js'
import { DEFAULT_FLUSH_TIMEOUT_MS, OTLP_OPTIONS, otlpOptionsGiven } from './otlp-export-options.js'
import { TextOutput } from './text-output.js'
import { UsageError } from './usage-error.js'

const FORMATS = ['ndjson', 'chrome', 'perfetto', 'pino', 'otlp']

export const exportCommand: Command = {
  name: 'export',
  synopsis: 'export <file> [--format ndjson|chrome|perfetto|pino|otlp]   write events as JSON lines, Chrome JSON, a Perfetto trace, pino lines, or send OTLP',
  help: `Usage: ringtrace export <file> [--format ndjson|chrome|pino] [--output <path>]
       ringtrace export <file> --format perfetto --output <path>
       ringtrace export <file> --format otlp [--endpoint <url>] [OTLP options]

Writes every event and loss report of a trace file, in file order, or sends its spans and
events to an OTLP/HTTP receiver (an OpenTelemetry Collector, ...).

Options:
  -f, --format <name>   output format: ndjson (one JSON object per line; the default),
                        chrome (Trace Event Format JSON for Perfetto and chrome://tracing),
                        perfetto (Perfetto's native protobuf trace, for ui.perfetto.dev
                        and trace_processor; binary, so --output is required),
                        pino (pino's NDJSON log lines, for pino-pretty and pino tooling) or
                        otlp (sent over OTLP/HTTP, see below)
  -o, --output <path>   write to this file instead of stdout (ndjson, chrome, pino; the
                        file to write for perfetto)
  -h, --help            show this help

OTLP options (--format otlp; each defaults to its OpenTelemetry variable, OTEL_EXPORTER_OTLP_*):
  --endpoint <url>      base URL; /v1/traces and /v1/logs are appended (default
                        OTEL_EXPORTER_OTLP_ENDPOINT or the signal's own variable, else
                        http://localhost:4318)
  --protocol <name>     http/protobuf (default) or http/json
  --header <name=value> sent with every request (repeat for more headers)
  --compression <name>  gzip or none (default)
  --service-name <name> the resource's service.name (default OTEL_SERVICE_NAME, else the
                        trace's provider)
  --signals <list>      traces, logs or traces,logs (default): spans as OTLP spans, the other
                        events as OTLP log records
  --timeout <ms>        how long the final flush may take once the file is read (default
                        ${DEFAULT_FLUSH_TIMEOUT_MS}); what is still unsent then is dropped
  --budget-bytes <n>    encoded bytes each signal may hold, queued or waiting to be retried
                        (default 32 MiB, at least 65536): reading waits while it is full

ndjson: events are {"kind":"event","name","timestampNs","time","stream","thread","level",
"keyword","opcode","eventId","seq","truncated"?,"fields"}, losses {"kind":"lost","count",
"ringFull","invalid","overwritten","byEvent"?,...}. 64-bit integers are decimal strings, binary
is base64, NaN and infinities are strings, "time" is ISO 8601 and "timestampNs" the exact time
in nanoseconds since the Unix epoch.

chrome: {"displayTimeUnit","otherData","traceEvents"}: spans as complete events (ph X, ts and
dur in µs from otherData.originNs, args = attributes, ids, status), plain events as instants
(ph i), thread and process names as metadata (ph M), spans without a Stop as begin events (ph B)
that never end. See docs/analysis.md.

perfetto: a Trace of TracePackets: a process track, a track per thread, async tracks for spans
that do not nest on their thread; spans as slice begin/end pairs with their attributes, ids and
status as debug annotations, plain events as instants, losses on an "events lost" counter; names
interned; timestamps in ns since the Unix epoch. Spans without a Stop begin and never end
(annotation unterminated). See docs/analysis.md.

pino: a logger's lines as pino writes them ({"level","time","pid","hostname",...fields,
"trace_id"?,"span_id"?,"msg"}), objects logged as the JSON they were; plain events too (the ETW
level as pino's number, the event name as msg); span records are left out. See docs/logging.md.

otlp: the file is read no faster than the receiver takes it, so nothing is dropped for want of
room; failed requests are retried as the OTLP specification says (429, 502, 503, 504 and lost
connections, honouring Retry-After, for up to 60 s per request). Spans still open at the end of
the file end at its latest event, with the attribute ringtrace.unterminated. On a terminal stderr
shows a progress bar of the bytes read; at the end stderr gets a summary per signal: items,
exported, failed, dropped, retried, last error. Exit 0 when every item was exported, 1 when any
failed or was dropped (or the file is damaged), 2 for a bad option.

A damaged file: what precedes the damage is written (sent), then the error goes to stderr (exit 1).
`,
  options: {
    format: { type: 'string', short: 'f', default: 'ndjson' },
    output: { type: 'string', short: 'o' },
    ...OTLP_OPTIONS,
  },

  async run(args, io) {
    const file = traceFileArgument(args)
    const format = args.values.format as string
    if (!FORMATS.includes(format)) throw new UsageError(`unknown format '${format}' (formats: ${FORMATS.join(', ')})`)
    const path = args.values.output as string | undefined
    if (format === 'otlp') {
      if (path !== undefined) throw new UsageError('--output does not apply to --format otlp, which sends to --endpoint')
      return exportOtlp(file, args, io)
    }
    const stray = otlpOptionsGiven(args)
    if (stray.length > 0) throw new UsageError(`${stray.join(', ')} applies to --format otlp only`)
    if (format === 'perfetto' && path === undefined) throw new UsageError('--format perfetto writes a binary file: give it with --output <path>')
    const out = new TextOutput(path === undefined ? io.stdout : createWriteStream(path))
    let damage: TraceFileError | undefined
    if (format === 'chrome') {
      damage = await writeEncodedTrace(file, out, (info) => new ChromeTraceEncoder({ pid: info?.pid ?? 0, name: info?.provider ?? file, originNs: info?.wallNs ?? 0n }))
    } else if (format === 'perfetto') {
      damage = await writeEncodedTrace(file, out, (info) => new PerfettoTraceEncoder({ pid: info?.pid ?? 0, name: info?.provider ?? file }))
    } else if (format === 'pino') {
      damage = await writePino(file, out)
    } else {
      damage = await writeNdjson(file, out)
    }
    if (path === undefined) await out.flush()
    else await out.end()
    if (damage === undefined) return 0
    io.stderr.write(`${damage.message}\n`)
    return 1
  },
}

/** Writes what `line` makes of each item of `file` (undefined: nothing); the damage that stopped it, if any. */
async function writeLines(file: string, out: TextOutput, line: (item: TraceItem, reader: TraceReader) => string | undefined): Promise<TraceFileError | undefined> {
  const reader = new TraceReader(file)
  try {
    for await (const batch of reader.batches()) {
      for (const item of batch) {
        const text = line(item, reader)
        if (text !== undefined) out.add(text)
      }
      await out.flushIfFull()
      if (out.gone) break
    }
  } catch (error) {
    if (!(error instanceof TraceFileError)) throw error
    return error
  }
  return undefined
}

const writeNdjson = (file: string, out: TextOutput) =>
  writeLines(file, out, (item, reader) => ndjsonLine(item, item.kind === 'event' ? reader.schemaOf(item) : undefined))

/** Events only: a loss has no pino line (`ringtrace stats` reports it). */
const writePino = (file: string, out: TextOutput) => writeLines(file, out, (item, reader) => {
  if (item.kind !== 'event') return undefined
  const schema = reader.schemaOf(item)
  return schema === undefined ? undefined : pinoLine(item, schema, reader.file!)
})
