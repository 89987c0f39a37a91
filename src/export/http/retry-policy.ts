// Which outcomes of an export request are worth another attempt, and how long to wait first, per
// the OTLP/HTTP failure rules: throttling (429) and an unavailable receiver or gateway (502, 503,
// 504) and a connection that failed or timed out are transient; every other 4xx/5xx means the
// same request would be refused again.

export interface BackoffOptions {
  /** The ceiling of the first wait. */
  initialMs: number
  /** No wait is longer. */
  maxMs: number
  /** Each attempt's ceiling is the previous one times this. */
  multiplier: number
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { initialMs: 1000, maxMs: 30_000, multiplier: 2 }

/**
 * A Retry-After longer than this is cut to it: a batch waiting to retry holds budget that newer
 * batches need, and a receiver asking for an hour is better answered by the batch's retry limit.
 */
export const RETRY_AFTER_CAP_MS = 60_000

/** 429, 502, 503, 504: the receiver may take the same request later. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504
}

// ECONNRESET covers "socket hang up"; ETIMEDOUT is also what the exchange's own timeout carries.
// Not here: ENOTFOUND (no such host), TLS and HTTP parse errors (a wrong endpoint, not a busy one).
const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT',
  'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
])

/** A failure before any answer that another attempt may not meet (by the error's `code`). */
export function isRetryableError(error: NodeJS.ErrnoException): boolean {
  return error.code !== undefined && RETRYABLE_ERROR_CODES.has(error.code)
}

/**
 * The wait before retry number `retry` (0 for the first), with full jitter: uniform in
 * [0, min(maxMs, initialMs * multiplier^retry)), so clients that failed together spread out.
 */
export function backoffDelay(retry: number, options: Readonly<BackoffOptions>, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * options.multiplier ** retry)
  return Math.floor(random() * ceiling)
}

const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const LONG_WEEKDAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)'
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const MONTH = `(${MONTHS.join('|')})`
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'
// The three HTTP-date forms a recipient must accept (RFC 9110, 5.6.7).
const IMF_FIXDATE = new RegExp(`^${WEEKDAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`)
const RFC850_DATE = new RegExp(`^${LONG_WEEKDAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`)
const ASCTIME_DATE = new RegExp(`^${WEEKDAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`)

function utcMs(year: number, month: string, day: number, hour: number, minute: number, second: number): number | undefined {
  if (hour > 23 || minute > 59 || second > 60) return undefined
  const monthIndex = MONTHS.indexOf(month)
  const ms = Date.UTC(year, monthIndex, day, hour, minute)
  // Date.UTC rolls 31 Feb over into March; a date that does not exist is garbage.
  if (day < 1 || new Date(ms).getUTCDate() !== day) return undefined
  return ms + second * 1000
}

/** An HTTP-date as ms since the epoch, or undefined when it is not exactly one of the three forms. */
export function parseHttpDate(value: string, nowMs: number): number | undefined {
  let match = IMF_FIXDATE.exec(value)
  if (match !== null) return utcMs(Number(match[3]), match[2]!, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]))
  match = RFC850_DATE.exec(value)
  if (match !== null) {
    // A two-digit year more than 50 years ahead is the most recent such year in the past.
    const nowYear = new Date(nowMs).getUTCFullYear()
    let year = nowYear - (nowYear % 100) + Number(match[3])
    if (year > nowYear + 50) year -= 100
    return utcMs(year, match[2]!, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]))
  }
  match = ASCTIME_DATE.exec(value)
  if (match !== null) return utcMs(Number(match[6]), match[1]!, Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]))
  return undefined
}

/**
 * The wait a Retry-After field asks for, in ms from `nowMs`, at most `capMs`: delta-seconds or an
 * HTTP-date (a date in the past: 0). Undefined for an absent or malformed field, which callers
 * ignore in favour of their backoff.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number, capMs: number = RETRY_AFTER_CAP_MS): number | undefined {
  if (value === undefined) return undefined
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, capMs)
  const at = parseHttpDate(value, nowMs)
  return at === undefined ? undefined : Math.min(Math.max(at - nowMs, 0), capMs)
}
