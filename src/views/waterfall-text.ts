// The terminal view: each shown span on a line with its tree position, duration and a bar placed
// on a time axis scaled to its root. Critical-path spans are marked `*` (and coloured on a TTY),
// failed spans end with their error, spans without a Stop with "(no stop)". Under a span, the
// log lines and correlated events traced in it (the first few, span-notes.ts), each with its
// time from the span's start and its level.

import type { TraceAnalysis } from '../analysis/analyze-spans.js'
import { NOTE_LEVEL_LABELS } from '../analysis/span-notes.js'
import { printable } from '../cli/text-table.js'
import { durationText } from './duration-text.js'
import { selectSpanRows, type SpanRow, type SpanRowOptions } from './span-rows.js'
import { PLAIN_STYLE, type TerminalStyle } from './terminal-style.js'

export interface WaterfallTextOptions extends SpanRowOptions {
  /** Characters of the time axis (default 48). */
  barWidth?: number
  style?: TerminalStyle
}

const NAME_WIDTH = 40
/** ETW level names, short, by level (0 LogAlways has none). */

function treePrefix(row: SpanRow): string {
  if (row.span === row.root) return ''
  return row.guides.map((more) => (more ? '│  ' : '   ')).join('') + (row.last ? '└─ ' : '├─ ')
}

function bar(row: SpanRow, width: number): [before: number, length: number] {
  const root = row.root
  const scale = root.durationNs > 0 ? width / root.durationNs : 0
  const from = Math.min(width - 1, Math.max(0, Math.floor((row.span.startNs - root.startNs) * scale)))
  const to = Math.min(width, Math.max(from + 1, Math.ceil((row.span.endNs - root.startNs) * scale)))
  return [from, to - from]
}

export function waterfallText(analysis: TraceAnalysis, options: WaterfallTextOptions = {}): string {
  const style = options.style ?? PLAIN_STYLE
  const width = options.barWidth ?? 48
  const selection = selectSpanRows(analysis, options)
  const names = selection.rows.map((row) => printable(row.span.name))
  const labels = selection.rows.map((row, i) => {
    const label = `${treePrefix(row)}${names[i]}`
    return label.length > NAME_WIDTH ? `${label.slice(0, NAME_WIDTH - 1)}…` : label
  })
  const labelWidth = Math.max(0, ...labels.map((l) => l.length))
  const durations = selection.rows.map((row) => durationText(row.span.durationNs))
  const durationWidth = Math.max(0, ...durations.map((d) => d.length))
  const lines: string[] = []
  selection.rows.forEach((row, i) => {
    const span = row.span
    if (span === row.root && i > 0) lines.push('')
    const [before, length] = bar(row, width)
    const barText = (span.onCriticalPath ? style.critical : style.bar)((span.onCriticalPath ? '█' : '▒').repeat(length))
    const axis = `│${' '.repeat(before)}${barText}${' '.repeat(width - before - length)}│`
    let note = ''
    if (span.failed) note += ` ${style.error(printable(`✗ ${span.errorType}${span.errorMessage === '' ? '' : `: ${span.errorMessage}`}`))}`
    if (!span.terminated) note += ' (no stop)'
    if (row.hiddenChildren > 0) note += style.dim(` (+${row.hiddenChildren} children)`)
    const mark = span.onCriticalPath ? style.critical('*') : ' '
    const label = labels[i]
    const nameLength = names[i].length
    const name = style.dim(label.slice(0, label.length - nameLength)) +
      (span.onCriticalPath ? style.bold(label.slice(label.length - nameLength)) : label.slice(label.length - nameLength))
    lines.push(`${mark} ${name}${' '.repeat(labelWidth - label.length)}  ${durations[i].padStart(durationWidth)}  ${axis}${note}`)
    if (span.notes.length === 0) return
    const indent = `  ${span === row.root ? '' : row.guides.map((more) => (more ? '│  ' : '   ')).join('') + (row.last ? '   ' : '│  ')}`
    for (const line of span.notes) {
      const level = (NOTE_LEVEL_LABELS[line.level] ?? '').padEnd(5)
      const text = `· +${durationText(Math.max(0, line.atNs - span.startNs))} ${level} ${printable(line.text)}`
      lines.push(style.dim(indent) + (line.level === 1 || line.level === 2 ? style.error(text) : style.dim(text)))
    }
    if (span.notesLeftOut > 0) lines.push(style.dim(`${indent}· (+${span.notesLeftOut} more lines and events)`))
  })
  const shown = `${selection.rootsShown} of ${analysis.roots.length} root spans (the longest), ${selection.rows.length} of ${analysis.spans.length} spans`
  lines.push('', style.dim(`${shown}; * marks the critical path.`))
  return `${lines.join('\n')}\n`
}
