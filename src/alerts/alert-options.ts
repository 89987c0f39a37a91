// createTracer()'s `alerts` option: rules evaluated by the export worker on the live stream
// (docs/alerts.md). Checked on the tracer's thread, every mistake a TracerError naming its key
// (`alerts.rules[2].count.withinMs`); what crosses to the worker is plain data, the callbacks
// stay on this thread.

import { TracerError, describeValue } from '../errors.js'
import { checkKnownKeys } from '../option-keys.js'
import { checkLoggerLevel, wildcardSource } from '../log/log-filters.js'
import { LOG_LEVELS } from '../log/log-levels.js'
import { parseHttpUrl } from '../export/otel-env.js'
import { isHeaderName, isHeaderValue, isReservedHeader } from '../export/header-syntax.js'
import { SEVERITIES, type Alert, type AlertSeverity } from './alert.js'

export type AlertOperator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'contains'
export type AlertValue = string | number | bigint | boolean

export interface AlertMatch {
  /** Event names or logger names (a logger's `name` option; default 'log'). */
  event?: string | readonly string[]
  /** Span names: each span that ends is a match (its duration the value of a percentile rule). */
  span?: string | readonly string[]
  /** Lines at this logger level or above; plain events by their ETW level mapped to pino's. */
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
  /** Patterns (`*` any characters) of the `component` field. */
  component?: string | readonly string[]
  /** Field predicates, all of which must hold: `[['status', '>=', 500]]` (span rules: the Start's attributes). */
  where?: readonly (readonly [string, AlertOperator, AlertValue])[]
}

export interface AlertRule {
  /** Unique among the rules; what every alert says. */
  name: string
  when: AlertMatch
  /** More than `moreThan` matches within `withinMs` (event time). */
  count?: { moreThan: number; withinMs: number }
  /** The p-th percentile of the matches' value over `withinMs` above `moreThan` (spans: their duration in ms). */
  percentile?: { p: number; of?: string; moreThan: number; withinMs: number; minCount?: number }
  /** Default 'warning'. */
  severity?: AlertSeverity
  /** After firing, the rule stays quiet this long, counting what it would have fired (default: its window). */
  suppressMs?: number
  /** Every `after` times the condition holds within `withinMs`, the severity goes one step up (and fires through suppression). */
  escalate?: { after: number; withinMs: number }
  /** Write the alert into the trace as a `ringtrace.alert` line (default true). */
  record?: boolean
  /** POST it to `alerts.webhook` (default true when there is one). */
  webhook?: boolean
  /** Called on the thread that created the tracer. */
  onAlert?: (alert: Alert) => void
}

export interface WebhookOptions {
  url: string | URL
  headers?: Record<string, string>
  /** Per attempt (default 10000). */
  timeoutMs?: number
}

export interface AlertsOptions {
  rules: readonly AlertRule[]
  /** Where alerts are POSTed as JSON, bounded and retried, counted as the `alert-webhook` exporter. */
  webhook?: WebhookOptions
}

export interface ResolvedPredicate {
  field: string
  op: AlertOperator
  value: AlertValue
}

/** A rule as the export worker evaluates it. */
export interface ResolvedAlertRule {
  name: string
  events: string[] | null
  spans: string[] | null
  /** pino level number; 0 for any. */
  level: number
  /** RegExp sources (wildcardSource). */
  components: string[] | null
  where: ResolvedPredicate[]
  kind: 'count' | 'percentile'
  moreThan: number
  withinMs: number
  /** Percentile rules: p (0 < p ≤ 100), the field (null: span duration), the samples needed. */
  p: number
  of: string | null
  minCount: number
  severity: AlertSeverity
  suppressMs: number
  escalate: { after: number; withinMs: number } | null
  record: boolean
  webhook: boolean
}

export interface ResolvedWebhook {
  url: string
  headers: Record<string, string>
  timeoutMs: number
}

export interface ResolvedAlerts {
  rules: ResolvedAlertRule[]
  webhook: ResolvedWebhook | undefined
}

/** Rules and callbacks apart: the rules go to the worker, the callbacks by rule name stay. */
export interface CheckedAlerts {
  resolved: ResolvedAlerts
  callbacks: Map<string, (alert: Alert) => void>
}

/** A count rule's matches are kept as times, one per match: this many at most. */
export const MAX_COUNT_THRESHOLD = 100_000
const MAX_WINDOW_MS = 86_400_000
const OPERATORS: readonly AlertOperator[] = ['=', '!=', '>', '>=', '<', '<=', 'contains']
const RULE_KEYS = Object.keys({
  name: true, when: true, count: true, percentile: true, severity: true, suppressMs: true, escalate: true, record: true, webhook: true, onAlert: true,
} satisfies Record<keyof AlertRule, true>)
const MATCH_KEYS = Object.keys({ event: true, span: true, level: true, component: true, where: true } satisfies Record<keyof AlertMatch, true>)

function invalid(key: string, expected: string, value: unknown): TracerError {
  return new TracerError('INVALID_OPTION', `ringtrace: ${key} must be ${expected}, got ${describeValue(value)}`)
}

function object(value: unknown, key: string, example: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(key, `an object such as ${example}`, value)
  return value as Record<string, unknown>
}

function number(value: unknown, key: string, min: number, max: number, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw invalid(key, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, value)
  }
  return value
}

function names(value: unknown, key: string): string[] | null {
  if (value === undefined) return null
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0 || !list.every((n) => typeof n === 'string' && n !== '')) {
    throw invalid(key, 'a name or a non-empty array of names', value)
  }
  return [...list] as string[]
}

function predicate(value: unknown, key: string): ResolvedPredicate {
  if (!Array.isArray(value) || value.length !== 3) throw invalid(key, "a [field, operator, value] triple such as ['status', '>=', 500]", value)
  const [field, op, operand] = value as unknown[]
  if (typeof field !== 'string' || field === '') throw invalid(`${key}[0]`, 'a field name', field)
  if (!OPERATORS.includes(op as AlertOperator)) throw invalid(`${key}[1]`, `one of ${OPERATORS.map((o) => `'${o}'`).join(', ')}`, op)
  const type = typeof operand
  if (type !== 'string' && type !== 'number' && type !== 'bigint' && type !== 'boolean') throw invalid(`${key}[2]`, 'a string, number, bigint or boolean', operand)
  const ordered = op !== '=' && op !== '!=' && op !== 'contains'
  if (ordered && type !== 'number' && type !== 'bigint') throw invalid(`${key}[2]`, `a number or bigint (${String(op)} compares numbers)`, operand)
  if (op === 'contains' && type !== 'string') throw invalid(`${key}[2]`, "a string ('contains' looks for text)", operand)
  return { field, op: op as AlertOperator, value: operand as AlertValue }
}

function checkRule(value: unknown, key: string, webhook: boolean): { rule: ResolvedAlertRule; callback: ((alert: Alert) => void) | undefined } {
  const rule = object(value, key, "{ name: 'errors', when: { level: 'error' }, count: { moreThan: 5, withinMs: 10000 } }")
  checkKnownKeys(rule, RULE_KEYS, `${key}.`)
  const { name, when, count, percentile, severity = 'warning', suppressMs, escalate, record = true, onAlert } = rule as Partial<AlertRule>
  if (typeof name !== 'string' || name === '' || name.length > 255) throw invalid(`${key}.name`, 'a name of 1 to 255 characters', name)
  const match = object(when, `${key}.when`, "{ event: 'log', level: 'error' }")
  checkKnownKeys(match, MATCH_KEYS, `${key}.when.`)
  const events = names(match.event, `${key}.when.event`)
  const spans = names(match.span, `${key}.when.span`)
  if (events !== null && spans !== null) throw new TracerError('INVALID_OPTION', `ringtrace: ${key}.when names events and spans; a rule matches one or the other`)
  const levelName = match.level === undefined ? undefined : checkLoggerLevel(match.level, `${key}.when.level`)
  if (levelName === 'silent') throw invalid(`${key}.when.level`, "a logger level from 'trace' to 'fatal'", match.level)
  if (levelName !== undefined && spans !== null) throw new TracerError('INVALID_OPTION', `ringtrace: ${key}.when.level applies to events and lines, not spans`)
  const components = names(match.component, `${key}.when.component`)
  const where = match.where === undefined ? [] : Array.isArray(match.where)
    ? match.where.map((p, i) => predicate(p, `${key}.when.where[${i}]`))
    : (() => { throw invalid(`${key}.when.where`, "an array of [field, operator, value] triples", match.where) })()
  if ((count === undefined) === (percentile === undefined)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: ${key} needs one of count: { moreThan, withinMs } and percentile: { p, moreThan, withinMs }`)
  }
  let resolved: Pick<ResolvedAlertRule, 'kind' | 'moreThan' | 'withinMs' | 'p' | 'of' | 'minCount'>
  if (count !== undefined) {
    const c = object(count, `${key}.count`, '{ moreThan: 5, withinMs: 10000 }')
    checkKnownKeys(c, ['moreThan', 'withinMs'], `${key}.count.`)
    resolved = {
      kind: 'count',
      moreThan: number(c.moreThan, `${key}.count.moreThan`, 0, MAX_COUNT_THRESHOLD - 1, true),
      withinMs: number(c.withinMs, `${key}.count.withinMs`, 1, MAX_WINDOW_MS),
      p: 0, of: null, minCount: 1,
    }
  } else {
    const q = object(percentile, `${key}.percentile`, '{ p: 99, moreThan: 200, withinMs: 60000 }')
    checkKnownKeys(q, ['p', 'of', 'moreThan', 'withinMs', 'minCount'], `${key}.percentile.`)
    const of = q.of === undefined ? null : q.of
    if (of !== null && (typeof of !== 'string' || of === '')) throw invalid(`${key}.percentile.of`, 'a numeric field name', of)
    if (of === null && spans === null) throw new TracerError('INVALID_OPTION', `ringtrace: ${key}.percentile needs of: '<field>' unless the rule matches spans (whose value is their duration)`)
    const p = number(q.p, `${key}.percentile.p`, 0, 100)
    if (p === 0) throw invalid(`${key}.percentile.p`, 'above 0 (and at most 100)', p)
    resolved = {
      kind: 'percentile',
      p,
      of: of as string | null,
      moreThan: number(q.moreThan, `${key}.percentile.moreThan`, -Number.MAX_VALUE, Number.MAX_VALUE),
      withinMs: number(q.withinMs, `${key}.percentile.withinMs`, 10, MAX_WINDOW_MS),
      minCount: q.minCount === undefined ? 1 : number(q.minCount, `${key}.percentile.minCount`, 1, 1e9, true),
    }
  }
  if (!SEVERITIES.includes(severity)) throw invalid(`${key}.severity`, `one of ${SEVERITIES.map((s) => `'${s}'`).join(', ')}`, severity)
  let escalation: ResolvedAlertRule['escalate'] = null
  if (escalate !== undefined) {
    const e = object(escalate, `${key}.escalate`, '{ after: 3, withinMs: 600000 }')
    checkKnownKeys(e, ['after', 'withinMs'], `${key}.escalate.`)
    escalation = { after: number(e.after, `${key}.escalate.after`, 1, 1000, true), withinMs: number(e.withinMs, `${key}.escalate.withinMs`, 1, MAX_WINDOW_MS) }
  }
  if (typeof record !== 'boolean') throw invalid(`${key}.record`, 'a boolean', record)
  const wantsWebhook = rule.webhook ?? webhook
  if (typeof wantsWebhook !== 'boolean') throw invalid(`${key}.webhook`, 'a boolean', rule.webhook)
  if (wantsWebhook && !webhook) throw new TracerError('INVALID_OPTION', `ringtrace: ${key}.webhook is true but alerts.webhook gives no URL`)
  if (onAlert !== undefined && typeof onAlert !== 'function') throw invalid(`${key}.onAlert`, 'a function', onAlert)
  return {
    rule: {
      name,
      events,
      spans,
      level: levelName === undefined ? 0 : LOG_LEVELS[levelName],
      components: components === null ? null : components.map(wildcardSource),
      where,
      ...resolved,
      severity,
      suppressMs: suppressMs === undefined ? resolved.withinMs : number(suppressMs, `${key}.suppressMs`, 0, MAX_WINDOW_MS),
      escalate: escalation,
      record,
      webhook: wantsWebhook,
    },
    callback: onAlert,
  }
}

function checkWebhook(value: unknown): ResolvedWebhook {
  const hook = object(value, 'alerts.webhook', "{ url: 'https://hooks.example/alerts' }")
  checkKnownKeys(hook, ['url', 'headers', 'timeoutMs'], 'alerts.webhook.')
  const text = hook.url instanceof URL ? hook.url.href : hook.url
  const url = typeof text === 'string' ? parseHttpUrl(text) : undefined
  if (url === undefined) throw invalid('alerts.webhook.url', 'an http:// or https:// URL', hook.url)
  const headers: Record<string, string> = {}
  if (hook.headers !== undefined) {
    for (const [name, header] of Object.entries(object(hook.headers, 'alerts.webhook.headers', "{ authorization: 'Bearer …' }"))) {
      if (!isHeaderName(name) || isReservedHeader(name)) throw invalid(`alerts.webhook.headers key ${JSON.stringify(name)}`, 'an HTTP header name the exporter does not set itself', name)
      if (!isHeaderValue(header)) throw invalid(`alerts.webhook.headers.${name}`, 'an HTTP header value', header)
      headers[name.toLowerCase()] = header
    }
  }
  return { url: url.href, headers, timeoutMs: hook.timeoutMs === undefined ? 10_000 : number(hook.timeoutMs, 'alerts.webhook.timeoutMs', 1, 600_000, true) }
}

/** The `alerts` option checked, or undefined for none. */
export function checkAlerts(value: unknown): CheckedAlerts | undefined {
  if (value === undefined) return undefined
  const options = object(value, 'alerts', "{ rules: [...], webhook: { url } }")
  checkKnownKeys(options, ['rules', 'webhook'], 'alerts.')
  if (!Array.isArray(options.rules)) throw invalid('alerts.rules', 'an array of rules', options.rules)
  const webhook = options.webhook === undefined ? undefined : checkWebhook(options.webhook)
  const rules: ResolvedAlertRule[] = []
  const callbacks = new Map<string, (alert: Alert) => void>()
  options.rules.forEach((r: unknown, i: number) => {
    const { rule, callback } = checkRule(r, `alerts.rules[${i}]`, webhook !== undefined)
    if (rules.some((other) => other.name === rule.name)) throw new TracerError('INVALID_OPTION', `ringtrace: alerts.rules[${i}].name ${JSON.stringify(rule.name)} is already a rule's`)
    rules.push(rule)
    if (callback !== undefined) callbacks.set(rule.name, callback)
  })
  return { resolved: { rules, webhook }, callbacks }
}
