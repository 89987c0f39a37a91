// An alert as a webhook receives it: one JSON object per POST, the alert's own keys, its time
// also as ISO 8601, and where it comes from.

import type { Alert } from './alert.js'

export interface AlertOrigin {
  provider: string
  serviceName: string
  pid: number
  hostname: string
}

export function alertJson(alert: Alert, origin: AlertOrigin): Uint8Array {
  const time = Number.isFinite(alert.timeMs) ? new Date(alert.timeMs).toISOString() : null
  return Buffer.from(JSON.stringify({ ...alert, time, ...origin }))
}
