// What a firing alert rule tells: the same object reaches the rule's callback and the tracer's
// onAlert listeners, the webhook (as JSON) and the trace (as a `ringtrace.alert` line).

export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const
export type AlertSeverity = (typeof SEVERITIES)[number]

export interface Alert {
  /** The rule's name. */
  rule: string
  /** The rule's severity, raised by escalation. */
  severity: AlertSeverity
  /** One sentence: what was seen against what the rule allows. */
  message: string
  /** The matches within the window (count rules), or the percentile in ms or the field's unit (percentile rules). */
  value: number
  /** The rule's `moreThan`. */
  threshold: number
  withinMs: number
  /** Matches (count rules) or samples (percentile rules) in the window. */
  count: number
  /** Times the condition held again since the rule last fired, while suppressed. */
  suppressed: number
  /** The severity is above the rule's own: the condition kept holding (escalate). */
  escalated: boolean
  /** When the condition held: the time of the event that made it hold, ms since the epoch. */
  timeMs: number
}

/** The severity `steps` above `base`, at most critical. */
export function raised(base: AlertSeverity, steps: number): AlertSeverity {
  return SEVERITIES[Math.min(SEVERITIES.length - 1, SEVERITIES.indexOf(base) + steps)]!
}
