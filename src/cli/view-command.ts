// `ringtrace view <file> [--html <path>]`: the span analysis as a terminal waterfall with
// tables, or as one self-contained HTML file.

import { writeFile } from 'node:fs/promises'
import { analyzeTraceFile } from '../analysis/analyze-spans.js'
import { htmlReport } from '../views/html-report.js'
import { summaryText } from '../views/summary-text.js'
import { ANSI_STYLE, PLAIN_STYLE, wantsColor } from '../views/terminal-style.js'
import { waterfallText } from '../views/waterfall-text.js'
import { traceFileArgument, type Command, type ParsedArgs } from './command.js'
import { TextOutput } from './text-output.js'
import { UsageError } from './usage-error.js'

function count(args: ParsedArgs, name: string, fallback: number): number {
  const text = args.values[name] as string | undefined
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} expects a whole number, got '${text}'`)
  return value
}

export const viewCommand: Command = {
  name: 'view',
  synopsis: 'view <file> [--html <path>]                        span trees, waterfall, critical path, statistics',
  help: `Usage: ringtrace view <file> [--html <path>] [--roots <n>] [--depth <n>] [--rows <n>]

Analyses the spans of a trace file: the longest root spans as trees with durations and a
waterfall (bars scaled to each root), the critical path marked with *, then per-operation
statistics (count, total, self time, mean, p50/p95/p99, max, error rate), bottlenecks by self
time, the most spans open at once, and problems in the span records (Starts without a Stop,
Stops without a Start, ...). Colour only when stdout is a terminal and NO_COLOR is unset.

Options:
  --html <path>   write a self-contained HTML report (timeline, critical path, statistics)
                  to <path> instead of printing
  --roots <n>     root spans shown, the longest first (default 10 in the terminal, 50 in HTML)
  --depth <n>     deepest level shown, roots being 0 (default: all)
  --rows <n>      most spans shown (default 200 in the terminal, 5000 in HTML)
  -h, --help      show this help

A damaged file: what precedes the damage is analysed, the error goes to stderr (exit 1).
`,
  options: {
    html: { type: 'string' },
    roots: { type: 'string' },
    depth: { type: 'string' },
    rows: { type: 'string' },
  },

  async run(args, io) {
    const file = traceFileArgument(args)
    const html = args.values.html as string | undefined
    const depth = args.values.depth === undefined ? undefined : count(args, 'depth', 0)
    const roots = count(args, 'roots', html === undefined ? 10 : 50)
    const rows = count(args, 'rows', html === undefined ? 200 : 5000)
    const { analysis, damage } = await analyzeTraceFile(file)
    if (html !== undefined) {
      await writeFile(html, htmlReport(analysis, { title: file, roots, depth, rows }))
    } else {
      const style = wantsColor(io.stdout) ? ANSI_STYLE : PLAIN_STYLE
      const out = new TextOutput(io.stdout)
      out.add(analysis.spans.length === 0 ? 'no spans in this trace\n\n' : `${waterfallText(analysis, { roots, depth, rows, style })}\n`)
      out.add(summaryText(analysis))
      await out.flush()
    }
    if (damage === undefined) return 0
    io.stderr.write(`${damage.message}\n`)
    return 1
  },
}
