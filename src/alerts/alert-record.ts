// A fired alert as a line in the trace, written on the tracer's thread when the worker posts it:
// a `ringtrace.alert` line at the logger level of its severity (info 30, warning 40, error 50,
// critical 60), its message as `msg`, the alert's numbers as fields. Like every line it reaches
// the file, ETW and the exporters; the tracer's level and the line's event gate apply, the
// loggers' filters (components, sampling, rate limits) do not.

import type { Tracer } from '../tracer.js'
import { maxStringChars } from '../internal-symbols.js'
import { MESSAGE_FIELD } from '../format/log-lines.js'
import { LineCode, lineHead, registerLine, type LineShape } from '../log/line-shapes.js'
import { LOG_LEVELS } from '../log/log-levels.js'
import type { Alert, AlertSeverity } from './alert.js'

export const ALERT_EVENT = 'ringtrace.alert'

const LEVEL_OF: Readonly<Record<AlertSeverity, number>> = {
  info: LOG_LEVELS.info, warning: LOG_LEVELS.warn, error: LOG_LEVELS.error, critical: LOG_LEVELS.fatal,
}

const NAMES = [MESSAGE_FIELD, 'rule', 'severity', 'value', 'threshold', 'withinMs', 'count', 'suppressed', 'escalated']
const CODES = [LineCode.str, LineCode.str, LineCode.str, LineCode.number, LineCode.number, LineCode.number, LineCode.number, LineCode.number, LineCode.bool]

/** Writes alerts as lines of `tracer`, a shape per severity registered at its first alert. */
export class AlertRecorder {
  private readonly shapes = new Map<AlertSeverity, LineShape>()
  private readonly values: unknown[] = new Array<unknown>(NAMES.length)

  constructor(private readonly tracer: Tracer) {}

  write(alert: Alert): void {
    let shape = this.shapes.get(alert.severity)
    if (shape === undefined) {
      const level = LEVEL_OF[alert.severity]
      shape = registerLine(this.tracer, lineHead(this.tracer, ALERT_EVENT, undefined, level), level, NAMES, CODES, NAMES.length, {
        maxStringBytes: this.tracer[maxStringChars](), redaction: undefined, sampleRate: 1, rateLimit: undefined,
      })
      this.shapes.set(alert.severity, shape)
    }
    const { values } = this
    values[0] = alert.message
    values[1] = alert.rule
    values[2] = alert.severity
    values[3] = alert.value
    values[4] = alert.threshold
    values[5] = alert.withinMs
    values[6] = alert.count
    values[7] = alert.suppressed
    values[8] = alert.escalated
    shape.invoke(shape.writer, values, 0)
  }
}
