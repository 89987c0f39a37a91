// What an HttpExporter is configured with, its defaults, and the checks that keep a bad value
// from turning into a crash or a hot loop later (a header Node refuses would throw on every
// request; a NaN backoff would retry at once).

import { validateHeaderName, validateHeaderValue } from 'node:http'
import { TracerError } from '../../errors.js'
import { isReservedHeader } from '../header-syntax.js'
import { DEFAULT_BACKOFF, RETRY_AFTER_CAP_MS, type BackoffOptions } from './retry-policy.js'

export interface HttpExporterOptions {
  /** 'otlp-traces', 'otlp-logs', 'loki': starts every message. */
  name: string
  /** http: or https: */
  url: URL
  /** Sent with every request (a User-Agent here replaces ringtrace's); reserved headers (header-syntax.ts) are refused. */
  headers: Readonly<Record<string, string>>
  contentType: string
  /** gzip: compressed here (asynchronously), sent with Content-Encoding: gzip. */
  compression: 'gzip' | 'none'
  /** Per attempt, for the whole exchange: connect, send, status line, headers and body. */
  timeoutMs: number
  /** Requests in flight at most (default 2). */
  concurrency?: number
  /** Bytes of bodies held (queued, in flight, waiting to retry), counted as handed over. */
  budgetBytes: number
  /** A batch still failing this long after its first attempt fails for good (default 60 s). */
  maxRetryMs?: number
  /** Backoff between attempts (default: first wait up to 1 s, doubling, at most 30 s). */
  retry?: Partial<BackoffOptions>
  /** A longer Retry-After is cut to this (default RETRY_AFTER_CAP_MS, 60 s). */
  retryAfterCapMs?: number
  /** From a 2xx body: how many items the receiver rejected (OTLP partial success) and why. */
  readPartialSuccess?(contentType: string, body: Uint8Array): { rejected: number; message: string }
  /** From an error response body: the receiver's message (OTLP: google.rpc.Status.message). */
  readErrorMessage?(contentType: string, body: Uint8Array): string
}

/** The options with every default filled in. */
export type ResolvedHttpExporterOptions = Required<Omit<HttpExporterOptions, 'retry' | 'readPartialSuccess' | 'readErrorMessage'>>
  & Pick<HttpExporterOptions, 'readPartialSuccess' | 'readErrorMessage'>
  & { retry: BackoffOptions }

/** Headers that frame the request: set by the exporter, refused in `headers`. */

const DEFAULT_CONCURRENCY = 2
const DEFAULT_MAX_RETRY_MS = 60_000

/** Fills in the defaults and checks every value; a bad one is a TracerError 'INVALID_OPTION' naming it. */
export function resolveHttpExporterOptions(options: HttpExporterOptions): ResolvedHttpExporterOptions {
  const resolved: ResolvedHttpExporterOptions = {
    ...options,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    maxRetryMs: options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS,
    retryAfterCapMs: options.retryAfterCapMs ?? RETRY_AFTER_CAP_MS,
    retry: { ...DEFAULT_BACKOFF, ...options.retry },
  }
  const prefix = `ringtrace: ${options.name} exporter:`
  const fail = (option: string, expected: string, got: unknown): never => {
    throw new TracerError('INVALID_OPTION', `${prefix} ${option} must be ${expected}, got ${String(got)}`)
  }
  if (options.url.protocol !== 'http:' && options.url.protocol !== 'https:') fail('url', 'an http: or https: URL', options.url.href)
  const { timeoutMs, concurrency, budgetBytes, maxRetryMs, retryAfterCapMs, retry } = resolved
  const counts = { timeoutMs, concurrency, budgetBytes, maxRetryMs, retryAfterCapMs, 'retry.initialMs': retry.initialMs, 'retry.maxMs': retry.maxMs }
  for (const [option, value] of Object.entries(counts)) {
    if (!(Number.isSafeInteger(value) && value > 0)) fail(option, 'a positive integer', value)
  }
  if (!(retry.multiplier >= 1 && retry.multiplier <= 10)) fail('retry.multiplier', 'a number from 1 to 10', retry.multiplier)
  for (const [name, value] of Object.entries(options.headers)) {
    const header = `${prefix} headers[${JSON.stringify(name)}]`
    // Values stay out of these messages: they may be credentials.
    if (isReservedHeader(name)) throw new TracerError('INVALID_OPTION', `${header} frames the request and is set by the exporter`)
    try {
      validateHeaderName(name)
      validateHeaderValue(name, value)
    } catch (error) {
      throw new TracerError('INVALID_OPTION', `${header} is not a valid HTTP header: ${(error as Error).message}`, { cause: error })
    }
  }
  return resolved
}
