// Alert rules on the export worker: every decoded event of the live stream is offered, after the
// exporters have it; the rules that could match its schema (by name and level, found once per
// schema) test its component and fields, and feed their window. A rule whose condition holds
// fires, unless it is suppressed (then the hold is counted), with its severity raised by
// escalation. Percentile rules are evaluated at most once per tenth of their window, at tick().
//
// Span rules pair each matching Start with its Stop by activity id (a bounded table, as the span
// assembler's): the span's value is its duration. The events ringtrace itself writes
// (`ringtrace.*`: alert lines, rate-limit reports) are never matched, so an alert cannot feed
// its own rule.

import type { EventSchema } from '../reader/event-schema.js'
import type { FieldValue, TraceEvent } from '../reader/trace-items.js'
import { pinoLevelOf } from '../exporters/pino-line.js'
import { GuidTable } from '../export/worker/guid-table.js'
import { raised, SEVERITIES, type Alert } from './alert.js'
import type { ResolvedAlertRule, ResolvedPredicate } from './alert-options.js'
import { CountWindow, PercentileWindow } from './alert-windows.js'

const INTERNAL_PREFIX = 'ringtrace.'
const COMPONENT_FIELD = 'component'

/** What a record is to spans: the export router's reading of its schema. */
export const SpanRecordRole = { None: 0, Start: 1, Stop: 2 } as const
export type SpanRecordRole = (typeof SpanRecordRole)[keyof typeof SpanRecordRole]

function numeric(value: FieldValue | undefined): number | undefined {
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined
}

function holds(predicate: ResolvedPredicate, value: FieldValue | undefined): boolean {
  const { op, value: operand } = predicate
  if (value === undefined) return op === '!='
  if (op === 'contains') return typeof value === 'string' && value.includes(operand as string)
  const a = numeric(value)
  const b = typeof operand === 'number' || typeof operand === 'bigint' ? Number(operand) : undefined
  if (op === '=' || op === '!=') {
    const same = a !== undefined && b !== undefined ? a === b : value === operand
    return op === '=' ? same : !same
  }
  if (a === undefined || b === undefined) return false
  switch (op) {
    case '>': return a > b
    case '>=': return a >= b
    case '<': return a < b
    default: return a <= b
  }
}

/** One rule's windows and its suppression and escalation state. */
class RuleRun {
  private readonly count: CountWindow | undefined
  private readonly values: PercentileWindow | undefined
  private readonly components: RegExp[] | null
  private suppressedUntil = -Infinity
  private suppressed = 0
  /** The severity index it last fired at, while suppressed. */
  private firedAt = -1
  /** Times the condition held within escalate.withinMs, the newest last (a few at most). */
  private readonly holdsAt: number[] = []
  /** Percentile rules: samples since the last evaluation, the newest sample's time, when last evaluated (Date.now()). */
  private dirty = false
  private latestMs = 0
  private evaluatedAt = -Infinity

  constructor(readonly rule: ResolvedAlertRule, private readonly fire: (alert: Alert, rule: ResolvedAlertRule) => void,
    private readonly suppressedHold: () => void) {
    this.count = rule.kind === 'count' ? new CountWindow(rule.moreThan, rule.withinMs) : undefined
    this.values = rule.kind === 'percentile' ? new PercentileWindow(rule.withinMs) : undefined
    this.components = rule.components === null ? null : rule.components.map((source) => new RegExp(source, 's'))
  }

  /** Component and field predicates (the name and level were checked per schema). */
  matches(fields: Record<string, FieldValue>): boolean {
    if (this.components !== null) {
      const component = fields[COMPONENT_FIELD]
      if (typeof component !== 'string' || !this.components.some((c) => c.test(component))) return false
    }
    for (const predicate of this.rule.where) if (!holds(predicate, fields[predicate.field])) return false
    return true
  }

  /** A match at `timeMs`; `value` for percentile rules (a span's duration, or the `of` field). */
  add(timeMs: number, value: number | undefined, fields: Record<string, FieldValue>): void {
    if (this.count !== undefined) {
      if (this.count.add(timeMs)) this.held(timeMs, this.count.size, this.count.size)
      return
    }
    const sample = value ?? (this.rule.of === null ? undefined : numeric(fields[this.rule.of]))
    if (sample === undefined || Number.isNaN(sample)) return
    this.values!.add(timeMs, sample)
    this.latestMs = Math.max(this.latestMs, timeMs)
    this.dirty = true
  }

  /** Percentile rules: evaluates the window when samples came and a tenth of it has passed since the last time. */
  tick(nowMs: number): void {
    const { rule } = this
    if (!this.dirty || nowMs - this.evaluatedAt < rule.withinMs / 10) return
    this.dirty = false
    this.evaluatedAt = nowMs
    const { value, count } = this.values!.percentile(rule.p, this.latestMs)
    if (count >= rule.minCount && value > rule.moreThan) this.held(this.latestMs, value, count)
  }

  /** The condition held: fire, or count it suppressed. */
  private held(timeMs: number, value: number, count: number): void {
    const { rule } = this
    let steps = 0
    if (rule.escalate !== null) {
      const { after, withinMs } = rule.escalate
      const { holdsAt } = this
      holdsAt.push(timeMs)
      while (holdsAt.length > 0 && timeMs - holdsAt[0]! > withinMs) holdsAt.shift()
      // Enough to reach critical from any severity; older ones change nothing.
      if (holdsAt.length > after * SEVERITIES.length) holdsAt.shift()
      steps = Math.floor((holdsAt.length - 1) / after)
    }
    const severity = raised(rule.severity, steps)
    const index = SEVERITIES.indexOf(severity)
    if (timeMs < this.suppressedUntil && index <= this.firedAt) {
      this.suppressed++
      this.suppressedHold()
      return
    }
    const suppressed = this.suppressed
    this.suppressed = 0
    this.suppressedUntil = timeMs + rule.suppressMs
    this.firedAt = index
    const what = rule.kind === 'count'
      ? `${count} matches within ${rule.withinMs} ms (more than ${rule.moreThan})`
      : `p${rule.p} of ${rule.of ?? 'span duration (ms)'} is ${round(value)} over ${count} samples within ${rule.withinMs} ms (more than ${rule.moreThan})`
    this.fire({
      rule: rule.name,
      severity,
      message: `${rule.name}: ${what}${steps > 0 ? `, escalated to ${severity}` : ''}`,
      value,
      threshold: rule.moreThan,
      withinMs: rule.withinMs,
      count,
      suppressed,
      escalated: steps > 0,
      timeMs,
    }, rule)
  }
}

const round = (n: number): string => String(Math.round(n * 1000) / 1000)

interface OpenMatch {
  startNs: bigint
  runs: RuleRun[]
}

export class AlertEngine {
  private readonly runs: RuleRun[]
  private readonly eventRuns: RuleRun[]
  private readonly spanRuns: RuleRun[]
  /** Per schema: the rules its events could match (name and level). */
  private readonly bySchema = new WeakMap<EventSchema, RuleRun[]>()
  private readonly open = new GuidTable<OpenMatch>()
  /** Matching span Starts not followed because maxOpenSpans were open. */
  spansNotFollowed = 0

  constructor(rules: readonly ResolvedAlertRule[], fire: (alert: Alert, rule: ResolvedAlertRule) => void,
    suppressedHold: () => void, private readonly maxOpenSpans: number) {
    this.runs = rules.map((rule) => new RuleRun(rule, fire, suppressedHold))
    this.eventRuns = this.runs.filter((r) => r.rule.spans === null)
    this.spanRuns = this.runs.filter((r) => r.rule.spans !== null)
  }

  offer(event: TraceEvent, schema: EventSchema, role: SpanRecordRole): void {
    if (event.name.startsWith(INTERNAL_PREFIX)) return
    if (role === SpanRecordRole.Stop) {
      const id = event.fields.activityId as Uint8Array
      const open = this.open.get(id)
      if (open === undefined) return
      this.open.delete(id)
      const ms = Number(event.timestampNs - open.startNs) / 1e6
      for (const run of open.runs) run.add(event.time, ms, event.fields)
      return
    }
    const runs = this.candidates(schema, role)
    if (runs.length === 0) return
    if (role === SpanRecordRole.Start) {
      const matched = runs.filter((run) => run.matches(event.fields))
      if (matched.length === 0) return
      if (this.open.size >= this.maxOpenSpans) {
        this.spansNotFollowed++
        return
      }
      this.open.set(event.fields.activityId as Uint8Array, { startNs: event.timestampNs, runs: matched })
      return
    }
    for (const run of runs) if (run.matches(event.fields)) run.add(event.time, undefined, event.fields)
  }

  /** Evaluates the percentile rules (`nowMs`: Date.now()). */
  tick(nowMs: number): void {
    for (const run of this.runs) if (run.rule.kind === 'percentile') run.tick(nowMs)
  }

  /** At close: the last samples are evaluated, whatever the time since the last evaluation. */
  finish(): void {
    this.tick(Infinity)
    this.open.clear()
  }

  private candidates(schema: EventSchema, role: SpanRecordRole): RuleRun[] {
    let runs = this.bySchema.get(schema)
    if (runs === undefined) {
      const name = schema.name
      runs = role === SpanRecordRole.Start
        ? this.spanRuns.filter((r) => r.rule.spans!.includes(name))
        : this.eventRuns.filter((r) => (r.rule.events === null || r.rule.events.includes(name)) && pinoLevelOf(schema) >= r.rule.level)
      this.bySchema.set(schema, runs)
    }
    return runs
  }
}
