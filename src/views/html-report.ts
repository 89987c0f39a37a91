// The HTML report: one self-contained file (inline CSS and script, no external URL) with the
// waterfall of the longest root trees, the critical path highlighted, the operations table,
// bottlenecks, the concurrency profile as an inline SVG, and the span problems. Rows are
// rendered here, not by the script, so the report reads the same with scripts off; the script
// only folds subtrees.

import type { TraceAnalysis } from '../analysis/analyze-spans.js'
import type { SpanNode } from '../analysis/span-node.js'
import { NOTE_LEVEL_LABELS } from '../analysis/span-notes.js'
import { durationText, percentText } from './duration-text.js'
import { problemLines } from './problem-lines.js'
import { selectSpanRows, type SpanRow, type SpanRowOptions } from './span-rows.js'

export interface HtmlReportOptions extends SpanRowOptions {
  /** Shown in the title, typically the trace file's name. */
  title?: string
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c])
}

const STYLE = `
:root { --critical: #d9480f; --bar: #4c8bf5; --error: #c92a2a; --muted: #666; font-family: system-ui, sans-serif; }
body { margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
.meta, .note { color: var(--muted); font-size: .9rem; }
.legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
.swatch { display: inline-block; width: .9rem; height: .6rem; margin-right: .3rem; vertical-align: middle; }
.tree { border-top: 1px solid #ddd; padding: .3rem 0; }
.span-row { display: grid; grid-template-columns: minmax(12rem, 28rem) 6rem 1fr; align-items: center; font-size: .85rem; line-height: 1.35rem; cursor: default; }
.span-row.has-children { cursor: pointer; }
.span-row:hover { background: #f3f6fb; }
.label { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.span-row.critical .label { font-weight: 600; }
.span-row.critical .label::before { content: "\\25C6  "; color: var(--critical); }
.span-row.collapsed .label::after { content: " \\25B8"; color: var(--muted); }
.duration { text-align: right; padding-right: .6rem; font-variant-numeric: tabular-nums; }
.track { position: relative; height: .8rem; background: #f4f4f4; }
.bar { position: absolute; top: 0; bottom: 0; min-width: 1px; background: var(--bar); opacity: .55; }
.span-row.critical .bar { background: var(--critical); opacity: 1; }
.span-row.error .bar { outline: 2px solid var(--error); }
.span-row.unterminated .bar { background: repeating-linear-gradient(45deg, var(--bar), var(--bar) 4px, #fff 4px, #fff 6px); }
.span-row.critical.unterminated .bar { background: repeating-linear-gradient(45deg, var(--critical), var(--critical) 4px, #fff 4px, #fff 6px); }
.err { color: var(--error); margin-left: .4rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid #e5e5e5; text-align: right; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; }
tr.critical td:first-child { color: var(--critical); font-weight: 600; }
.note-row { font-size: .78rem; line-height: 1.15rem; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.note-row.error-note { color: var(--error); }
.hidden { display: none; }
svg { background: #fafafa; }
`

// Folds a subtree when its row is clicked: rows carry their depth, a subtree is the run of
// following rows that are deeper.
const SCRIPT = `
document.querySelectorAll('.span-row.has-children').forEach(function (row) {
  row.addEventListener('click', function () {
    var depth = Number(row.dataset.depth), fold = !row.classList.contains('collapsed');
    row.classList.toggle('collapsed', fold);
    for (var next = row.nextElementSibling; next && Number(next.dataset.depth) > depth; next = next.nextElementSibling) {
      next.classList.toggle('hidden', fold);
      next.classList.remove('collapsed');
    }
  });
});
`

function spanTitle(span: SpanNode): string {
  const lines = [`${span.name}: ${durationText(span.durationNs)} (self ${durationText(span.selfNs)})`,
    `start +${durationText(span.startNs)}`, `thread ${span.thread.name || span.thread.id}`, `activity ${span.id}`]
  for (const [key, value] of Object.entries(span.attributes)) lines.push(`${key} = ${String(value)}`)
  if (span.failed) lines.push(`error ${span.errorType}: ${span.errorMessage}`)
  if (!span.terminated) lines.push('no Stop: shown up to the end of the trace')
  return lines.join('\n')
}

function spanRow(row: SpanRow): string {
  const span = row.span
  const root = row.root
  const scale = root.durationNs > 0 ? 100 / root.durationNs : 0
  const left = (span.startNs - root.startNs) * scale
  const width = span.durationNs * scale
  const classes = ['span-row']
  if (span.onCriticalPath) classes.push('critical')
  if (span.failed) classes.push('error')
  if (!span.terminated) classes.push('unterminated')
  if (span.children.length > 0 && row.hiddenChildren === 0) classes.push('has-children')
  const error = span.failed ? `<span class="err">✗ ${escapeHtml(span.errorType)}</span>` : ''
  const hidden = row.hiddenChildren > 0 ? ` <span class="note">(+${row.hiddenChildren})</span>` : ''
  return `<div class="${classes.join(' ')}" data-depth="${span.depth}" data-span-id="${escapeHtml(span.id)}" title="${escapeHtml(spanTitle(span))}">` +
    `<div class="label" style="padding-left:${span.depth * 1.1}rem">${escapeHtml(span.name)}${error}${hidden}</div>` +
    `<div class="duration">${durationText(span.durationNs)}</div>` +
    `<div class="track"><div class="bar" style="left:${left.toFixed(3)}%;width:${width.toFixed(3)}%"></div></div></div>` +
    spanNotes(span)
}

/**
 * The log lines and events traced in the span, one row each under its row, one level deeper
 * (so folding the span folds them too), as the terminal view shows them.
 */
function spanNotes(span: SpanNode): string {
  if (span.notes.length === 0) return ''
  const depth = span.depth + 1
  const indent = `padding-left:${depth * 1.1}rem`
  const rows = span.notes.map((note) => {
    const error = note.level === 1 || note.level === 2 ? ' error-note' : ''
    const level = NOTE_LEVEL_LABELS[note.level] ?? ''
    return `<div class="note-row${error}" data-depth="${depth}" style="${indent}">· +${durationText(Math.max(0, note.atNs - span.startNs))} ${level} ${escapeHtml(note.text)}</div>`
  })
  if (span.notesLeftOut > 0) rows.push(`<div class="note-row" data-depth="${depth}" style="${indent}">· (+${span.notesLeftOut} more lines and events)</div>`)
  return rows.join('')
}

function timeline(analysis: TraceAnalysis, options: HtmlReportOptions): string {
  const selection = selectSpanRows(analysis, options)
  const trees: string[] = []
  let current: string[] = []
  for (const row of selection.rows) {
    if (row.span === row.root && current.length > 0) {
      trees.push(`<div class="tree">${current.join('\n')}</div>`)
      current = []
    }
    current.push(spanRow(row))
  }
  if (current.length > 0) trees.push(`<div class="tree">${current.join('\n')}</div>`)
  const note = `${selection.rootsShown} of ${analysis.roots.length} root spans (the longest), ${selection.rows.length} of ${analysis.spans.length} spans. Bars are scaled to their root; click a span to fold its children.`
  return `<section id="timeline"><h2>Timeline</h2>
<div class="legend"><span><i class="swatch" style="background:var(--critical)"></i>critical path</span><span><i class="swatch" style="background:var(--bar);opacity:.55"></i>other spans</span><span><i class="swatch" style="outline:2px solid var(--error)"></i>error</span></div>
${trees.join('\n')}
<p class="note">${escapeHtml(note)}</p></section>`
}

function criticalPathTable(analysis: TraceAnalysis): string {
  const longest = analysis.criticalPaths.reduce<TraceAnalysis['criticalPaths'][number] | undefined>(
    (best, path) => (best === undefined || path.root.durationNs > best.root.durationNs ? path : best), undefined)
  if (longest === undefined) return ''
  const rows = longest.segments.map((s) => `<tr><td>${escapeHtml(s.span.name)}</td><td>+${durationText(s.startNs - longest.root.startNs)}</td><td>${durationText(s.endNs - s.startNs)}</td></tr>`)
  return `<section id="critical-path"><h2>Critical path of the longest root (${escapeHtml(longest.root.name)}, ${durationText(longest.root.durationNs)})</h2>
<table id="critical-path-table"><thead><tr><th>span</th><th>from</th><th>time</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
}

function statisticsTable(analysis: TraceAnalysis): string {
  const critical = new Set<string>()
  for (const path of analysis.criticalPaths) for (const segment of path.segments) critical.add(segment.span.name)
  const rows = analysis.operations.map((op) => `<tr${critical.has(op.name) ? ' class="critical"' : ''}><td>${escapeHtml(op.name)}</td><td>${op.count}</td>` +
    [op.totalNs, op.selfNs, op.meanNs, op.p50Ns, op.p95Ns, op.p99Ns, op.maxNs].map((ns) => `<td>${durationText(ns)}</td>`).join('') +
    `<td>${op.errors}</td><td>${percentText(op.errorRate)}</td></tr>`)
  return `<section id="statistics"><h2>Operations</h2>
<table id="stats-table"><thead><tr><th>operation</th><th>count</th><th>total</th><th>self</th><th>mean</th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th>errors</th><th>error rate</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`
}

function bottlenecksTable(analysis: TraceAnalysis): string {
  const rows = analysis.bottlenecks.map((b) => `<tr><td>${escapeHtml(b.name)}</td><td>${durationText(b.selfNs)}</td><td>${percentText(b.fraction)}</td><td>${durationText(b.criticalNs)}</td></tr>`)
  return `<section id="bottlenecks"><h2>Bottlenecks (by self time)</h2>
<table id="bottlenecks-table"><thead><tr><th>operation</th><th>self time</th><th>share</th><th>on critical paths</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
}

function concurrencyChart(analysis: TraceAnalysis): string {
  const c = analysis.concurrency
  const w = 600
  const h = 80
  const peak = Math.max(1, c.maxOpen)
  const step = w / c.buckets.length
  const bars = c.buckets.map((b, i) => {
    const height = (b.maxOpen / peak) * h
    return `<rect x="${(i * step).toFixed(2)}" y="${(h - height).toFixed(2)}" width="${Math.max(step - 0.5, 0.5).toFixed(2)}" height="${height.toFixed(2)}" fill="#4c8bf5"><title>+${durationText(b.startNs)}: up to ${b.maxOpen} open, ${b.meanOpen.toFixed(2)} on average</title></rect>`
  })
  return `<section id="concurrency"><h2>Concurrency</h2>
<p class="note">At most ${c.maxOpen} spans open at once (first at +${durationText(c.maxAtNs)}); buckets of ${durationText(c.bucketNs)}.</p>
<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="spans open over time">${bars.join('')}</svg></section>`
}

function problemsList(analysis: TraceAnalysis): string {
  const lines = problemLines(analysis)
  const body = lines.length === 0 ? '<p class="note">None.</p>' : `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`
  return `<section id="problems"><h2>Span record problems</h2>${body}</section>`
}

export function htmlReport(analysis: TraceAnalysis, options: HtmlReportOptions = {}): string {
  const title = `ringtrace report${options.title === undefined ? '' : `: ${options.title}`}`
  const start = new Date(Number(analysis.originNs / 1_000_000n)).toISOString()
  const meta = `${analysis.spans.length} spans, ${analysis.roots.length} roots, ${analysis.operations.length} operations; from ${start}, ${durationText(analysis.endNs)}`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(title)}</h1><p class="meta">${escapeHtml(meta)}</p></header>
${timeline(analysis, options)}
${criticalPathTable(analysis)}
${statisticsTable(analysis)}
${bottlenecksTable(analysis)}
${concurrencyChart(analysis)}
${problemsList(analysis)}
<script>${SCRIPT}</script></body></html>
`
}
