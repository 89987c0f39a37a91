// `ringtrace stats <file> [--json]`

import { summarizeTracePrefix, type Accounting, type TraceSummary } from '../reader/summarize-trace.js'
import { traceFileArgument, type Command } from './command.js'
import { TextOutput } from './text-output.js'
import { textTable } from './text-table.js'

export const statsCommand: Command = {
  name: 'stats',
  synopsis: 'stats <file> [--json]                              counts, losses, threads and time span',
  help: `Usage: ringtrace stats <file> [--json]

Summarizes a trace file: events per type, lost events by reason (ring full, invalid value,
overwritten), threads, time span, and whether each thread's accounting balances (the events
its tracer wrote = delivered + lost, checked against the END record written on close).
A thread without an END record (killed, crashed, or the file was cut) is "incomplete": its
losses after its last record, and the events it still held, are unknown, so "written" is
only a lower bound.

Options:
  --json       print the summary as JSON (64-bit values as decimal strings)
  -h, --help   show this help

A damaged file: the summary covers what precedes the damage, the error goes to stderr (exit 1).
`,
  options: {
    json: { type: 'boolean' },
  },

  async run(args, io) {
    const file = traceFileArgument(args)
    const { summary, error } = await summarizeTracePrefix(file)
    const out = new TextOutput(io.stdout)
    out.add(args.values.json === true ? summaryJson(summary) : summaryText(file, summary))
    await out.flush()
    if (error === undefined) return 0
    io.stderr.write(`${error.message}\n`)
    return 1
  },
}

function summaryJson(summary: TraceSummary): string {
  return `${JSON.stringify(summary, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value), 2)}\n`
}

const yesNo = (value: boolean): string => (value ? 'yes' : 'no')

function span(summary: TraceSummary): string {
  if (summary.firstNs === undefined || summary.lastNs === undefined) return 'no events'
  const iso = (ns: bigint): string => new Date(Number(ns / 1_000_000n)).toISOString()
  return `${iso(summary.firstNs)} .. ${iso(summary.lastNs)} (${summary.durationMs.toFixed(3)} ms)`
}

const ACCOUNTING_TEXT: Record<Accounting, string> = { balanced: 'balanced', unbalanced: 'NOT BALANCED', incomplete: 'incomplete' }

function eventsText(s: TraceSummary): string {
  const counts = `${s.events} delivered, ${s.lost} lost`
  if (s.accounting !== 'incomplete') return `${counts}, ${s.written} written (${ACCOUNTING_TEXT[s.accounting]})`
  const streams = s.streamsWithoutEnd === 1 ? '1 stream has no END record; its' : `${s.streamsWithoutEnd} streams have no END record; their`
  return `${counts}, at least ${s.written} written (INCOMPLETE: ${streams} losses after the last record are unknown)`
}

function summaryText(file: string, s: TraceSummary): string {
  const overview = textTable(null, [
    ['trace', file],
    ['provider', `${s.provider} (pid ${s.pid}, host ${s.hostname})`],
    ['time span', span(s)],
    ['events', eventsText(s)],
    ['lost', `${s.lostRingFull} ring full, ${s.lostInvalid} invalid, ${s.lostOverwritten} overwritten, ${s.lostUnwritten} unwritten`],
  ])
  const names = [...new Set([...Object.keys(s.byEvent), ...Object.keys(s.lostByEvent)])].sort()
  const byEvent = textTable(['event', 'delivered', 'lost'],
    names.map((name) => [name, s.byEvent[name] ?? 0, s.lostByEvent[name] ?? 0]))
  const threads = textTable(['stream', 'thread', 'name', 'main', 'events', 'lost', 'written', 'closed', 'accounting'],
    s.threads.map((t) => [t.stream, t.threadId, t.name, yesNo(t.isMainThread), t.events, t.lost,
      t.written === undefined ? 'unknown' : String(t.written), yesNo(t.closed), ACCOUNTING_TEXT[t.accounting]]))
  const exporting = s.threads.filter((t) => t.export !== undefined)
  if (exporting.length === 0) return `${overview}\n${byEvent}\n${threads}`
  const exporters = textTable(['stream', 'exporter', 'handed over', 'exported', 'failed', 'dropped', 'retried', 'pending', 'last error'],
    exporting.flatMap((t) => Object.entries(t.export!.exporters).map(([name, e]) => [t.stream, name, e.handedOver, e.exported,
      e.failed, e.dropped, e.retried, e.pending, e.lastError === null ? '' : e.lastError.message])))
  const live = exporting.map((t) => `stream ${t.stream}: ${t.export!.liveDropped} events dropped from the live stream, ${t.export!.unmatchedStops} span ends without a start`)
  return `${overview}\n${byEvent}\n${threads}\n${exporters}${live.join('\n')}\n`
}
