// createTracer()'s `export` option and its resolution against the OpenTelemetry variables: what
// the code says wins, the variables fill what it leaves out, then the defaults. Every mistake in
// the options is a TracerError naming the option; a bad variable is only reported (otel-env.ts).

import { TracerError, describeValue } from '../errors.js'
import { checkKnownKeys } from '../option-keys.js'
import { isHeaderName, isHeaderValue, isReservedHeader } from './header-syntax.js'
import type { ResolvedAlerts } from '../alerts/alert-options.js'
import type { ResolvedConsole } from './console/console-options.js'
import { checkLokiOptions, type LokiOptions, type ResolvedLoki } from './loki/loki-options.js'
import { parseHttpUrl, readOtelEnv, signalUrl, type OtelEnv, type OtelSignalEnv, type OtlpCompression,
  type OtlpProtocol, type OtlpSignal } from './otel-env.js'

export type { OtlpCompression, OtlpProtocol, OtlpSignal } from './otel-env.js'

export interface OtlpExportOptions {
  /** Base URL: /v1/traces and /v1/logs are appended (default: the variables, else http://localhost:4318). */
  endpoint?: string | URL
  /** The traces URL as is, or false to send no spans. */
  tracesEndpoint?: string | URL | false
  /** The logs URL as is, or false to send no log records. */
  logsEndpoint?: string | URL | false
  /** Default 'http/protobuf'. */
  protocol?: OtlpProtocol
  /** Sent with every request (authentication, tenant). */
  headers?: Record<string, string>
  /** Default 'none' (as the OpenTelemetry variables). */
  compression?: OtlpCompression
  /** Per request attempt (default 10000). */
  timeoutMs?: number
  /** Requests in flight per signal, 1 to 16 (default 2). */
  concurrency?: number
  /** Encoded bytes each signal's exporter may hold, queued or waiting to be retried (default 32 MiB). */
  budgetBytes?: number
}

export interface ExportOptions {
  /** OTLP over HTTP; false: none (also not from the variables). */
  otlp?: OtlpExportOptions | false
  /** Grafana Loki push (log records only). */
  loki?: LokiOptions
  /** The resource's service.name (default: OTEL_SERVICE_NAME, else the provider). */
  serviceName?: string
  /** More resource attributes (after OTEL_RESOURCE_ATTRIBUTES, which they override). */
  resourceAttributes?: Record<string, string | number | boolean>
  /** Bytes of traced chunks held for the export worker, 1 MiB to 1 GiB (default 16 MiB); past them whole chunks are dropped and counted. */
  streamBytes?: number
  /** How long close() waits for the exporters to send what they hold (default 5000 ms). */
  closeTimeoutMs?: number
  /** Longest time an item waits for its batch to fill (default 200 ms). */
  batchDelayMs?: number
  /** Items per request, 1 to 65536 (default 2048). */
  maxBatchItems?: number
  /** Spans the export worker holds open waiting for their end, 1 to 2^20 (default 65536); a start past them is dropped and counted. */
  maxOpenSpans?: number
}

export interface ResolvedOtlpSignal {
  signal: OtlpSignal
  url: string
  protocol: OtlpProtocol
  headers: Record<string, string>
  compression: OtlpCompression
  timeoutMs: number
  concurrency: number
  budgetBytes: number
}

/** What the export worker is started with: plain data (it crosses to the worker thread). */
export interface ResolvedExport {
  serviceName: string
  /** OTEL_RESOURCE_ATTRIBUTES, then resourceAttributes. */
  resourceAttributes: Record<string, string | number | boolean>
  traces: ResolvedOtlpSignal | undefined
  logs: ResolvedOtlpSignal | undefined
  loki: ResolvedLoki | undefined
  streamBytes: number
  closeTimeoutMs: number
  batchDelayMs: number
  maxBatchItems: number
  maxOpenSpans: number
  /** Alert rules and their webhook (createTracer's `alerts`). */
  alerts?: ResolvedAlerts
  /** Human lines on the tracer's stdout or stderr (createTracer's `console`). */
  console?: ResolvedConsole
  /** The traced process when it is not this one (a trace file exported after the fact). */
  origin?: { pid: number; hostname: string }
}

export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318'
export const DEFAULT_STREAM_BYTES = 16 << 20
export const DEFAULT_CLOSE_TIMEOUT_MS = 5000
const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_CONCURRENCY = 2
const DEFAULT_BUDGET_BYTES = 32 << 20
const DEFAULT_BATCH_DELAY_MS = 200
const DEFAULT_MAX_BATCH_ITEMS = 2048
const DEFAULT_MAX_OPEN_SPANS = 65536

const EXPORT_KEYS = Object.keys({
  otlp: true, loki: true, serviceName: true, resourceAttributes: true, streamBytes: true, closeTimeoutMs: true,
  batchDelayMs: true, maxBatchItems: true, maxOpenSpans: true,
} satisfies Record<keyof ExportOptions, true>)

const OTLP_KEYS = Object.keys({
  endpoint: true, tracesEndpoint: true, logsEndpoint: true, protocol: true, headers: true,
  compression: true, timeoutMs: true, concurrency: true, budgetBytes: true,
} satisfies Record<keyof OtlpExportOptions, true>)

function invalid(name: string, expected: string, value: unknown): TracerError {
  return new TracerError('INVALID_OPTION', `ringtrace: ${name} must be ${expected}, got ${describeValue(value)}`)
}

function checkObject(value: unknown, name: string, example: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(name, `an object such as ${example}`, value)
}

function checkInteger(value: unknown, name: string, min: number, max: number, fallback: number, unit = ''): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw invalid(name, `an integer from ${min} to ${max}${unit}`, value)
  }
  return value as number
}

function checkUrl(value: unknown, name: string): string {
  const text = value instanceof URL ? value.href : value
  const url = typeof text === 'string' ? parseHttpUrl(text) : undefined
  if (url === undefined) throw invalid(name, 'an http:// or https:// URL', value)
  return url.href
}

function checkHeaders(value: unknown, name: string): Record<string, string> {
  checkObject(value, name, "{ authorization: 'Bearer …' }")
  const out: Record<string, string> = {}
  for (const [key, header] of Object.entries(value)) {
    if (!isHeaderName(key)) throw invalid(`${name} key ${JSON.stringify(key)}`, 'an HTTP header name (a token)', key)
    if (isReservedHeader(key)) throw new TracerError('INVALID_OPTION', `ringtrace: ${name}.${key} frames the request and is set by the exporter`)
    if (!isHeaderValue(header)) {
      throw invalid(`${name}.${key}`, 'an HTTP header value: a string without control characters', header)
    }
    out[key.toLowerCase()] = header
  }
  return out
}

function checkResourceAttributes(value: unknown): Record<string, string | number | boolean> {
  const name = 'export.resourceAttributes'
  checkObject(value, name, "{ 'deployment.environment': 'prod' }")
  for (const [key, attribute] of Object.entries(value)) {
    const ok = typeof attribute === 'string' || typeof attribute === 'boolean' || (typeof attribute === 'number' && Number.isFinite(attribute))
    if (key === '' || !ok) throw invalid(`${name}[${JSON.stringify(key)}]`, 'a string, finite number or boolean under a non-empty key', attribute)
  }
  return value as Record<string, string | number | boolean>
}

/** One signal's URL: false in the options turns it off; the code's URL, then the variables', then the base's. */
function signalTarget(signal: OtlpSignal, own: unknown, base: string | undefined, env: OtelSignalEnv, fromEnv: boolean): string | undefined {
  const name = `export.otlp.${signal}Endpoint`
  if (own === false) return undefined
  if (own !== undefined) return checkUrl(own, name)
  if (base !== undefined) return signalUrl(new URL(base), signal)
  if (env.disabled) return undefined
  if (env.url !== undefined) return env.url
  // Configured in code without an endpoint: the OTLP default (a local collector).
  return fromEnv ? undefined : signalUrl(new URL(DEFAULT_OTLP_ENDPOINT), signal)
}

function resolveSignal(signal: OtlpSignal, otlp: OtlpExportOptions, env: OtelSignalEnv, fromEnv: boolean): ResolvedOtlpSignal | undefined {
  const base = otlp.endpoint === undefined ? undefined : checkUrl(otlp.endpoint, 'export.otlp.endpoint')
  const url = signalTarget(signal, signal === 'traces' ? otlp.tracesEndpoint : otlp.logsEndpoint, base, env, fromEnv)
  if (url === undefined) return undefined
  const { protocol = env.protocol ?? 'http/protobuf', compression = env.compression ?? 'none' } = otlp
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') throw invalid('export.otlp.protocol', "'http/protobuf' or 'http/json'", protocol)
  if (compression !== 'gzip' && compression !== 'none') throw invalid('export.otlp.compression', "'gzip' or 'none'", compression)
  return {
    signal,
    url,
    protocol,
    headers: { ...env.headers, ...(otlp.headers === undefined ? {} : checkHeaders(otlp.headers, 'export.otlp.headers')) },
    compression,
    timeoutMs: checkInteger(otlp.timeoutMs, 'export.otlp.timeoutMs', 1, 600_000, env.timeoutMs ?? DEFAULT_TIMEOUT_MS, ' (ms)'),
    concurrency: checkInteger(otlp.concurrency, 'export.otlp.concurrency', 1, 16, DEFAULT_CONCURRENCY),
    budgetBytes: checkInteger(otlp.budgetBytes, 'export.otlp.budgetBytes', 64 << 10, 1 << 30, DEFAULT_BUDGET_BYTES, ' (bytes)'),
  }
}

/**
 * The export a tracer runs, or undefined for none. `options` is createTracer's `export`:
 * undefined lets the variables decide, false turns export off.
 */
export function resolveExport(options: unknown, provider: string, env: OtelEnv = readOtelEnv()): ResolvedExport | undefined {
  if (options === false) return undefined
  if (options === undefined && !env.exports) return undefined
  const config = (options ?? {}) as ExportOptions
  checkObject(config, 'export', "{ otlp: { endpoint: 'http://collector:4318' } }")
  checkKnownKeys(config, EXPORT_KEYS, 'export.')
  if (config.otlp !== undefined && config.otlp !== false) {
    checkObject(config.otlp, 'export.otlp', "{ endpoint: 'http://collector:4318' }")
    checkKnownKeys(config.otlp, OTLP_KEYS, 'export.otlp.')
  }
  // Without an otlp section in code, OTLP goes where the variables say, if anywhere.
  const inCode = config.otlp !== undefined && config.otlp !== false
  const otlp = config.otlp === false ? undefined : (config.otlp ?? (env.exports ? {} : undefined))
  const traces = otlp === undefined ? undefined : resolveSignal('traces', otlp, env.traces, !inCode)
  const logs = otlp === undefined ? undefined : resolveSignal('logs', otlp, env.logs, !inCode)
  const { serviceName } = config
  if (serviceName !== undefined && (typeof serviceName !== 'string' || serviceName === '')) {
    throw invalid('export.serviceName', 'a non-empty string', serviceName)
  }
  const resourceAttributes = {
    ...env.resourceAttributes,
    ...(config.resourceAttributes === undefined ? {} : checkResourceAttributes(config.resourceAttributes)),
  }
  const fromResource = resourceAttributes['service.name']
  return {
    serviceName: serviceName ?? env.serviceName ?? (typeof fromResource === 'string' && fromResource !== '' ? fromResource : provider),
    resourceAttributes,
    traces,
    logs,
    loki: config.loki === undefined ? undefined : checkLokiOptions(config.loki),
    streamBytes: checkInteger(config.streamBytes, 'export.streamBytes', 1 << 20, 1 << 30, DEFAULT_STREAM_BYTES, ' (bytes)'),
    closeTimeoutMs: checkInteger(config.closeTimeoutMs, 'export.closeTimeoutMs', 0, 600_000, DEFAULT_CLOSE_TIMEOUT_MS, ' (ms)'),
    batchDelayMs: checkInteger(config.batchDelayMs, 'export.batchDelayMs', 1, 60_000, DEFAULT_BATCH_DELAY_MS, ' (ms)'),
    maxBatchItems: checkInteger(config.maxBatchItems, 'export.maxBatchItems', 1, 65536, DEFAULT_MAX_BATCH_ITEMS),
    maxOpenSpans: checkInteger(config.maxOpenSpans, 'export.maxOpenSpans', 1, 1 << 20, DEFAULT_MAX_OPEN_SPANS),
  }
}
