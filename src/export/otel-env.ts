// The OpenTelemetry SDK environment variables ringtrace honours, read once per tracer. A bad
// variable must never stop an app from starting: it is reported once per process (a warning with
// code RINGTRACE_OTEL_ENV) and ignored, as if it were not set.

export type OtlpProtocol = 'http/protobuf' | 'http/json'
export type OtlpCompression = 'gzip' | 'none'
export type OtlpSignal = 'traces' | 'logs'

/** What the variables say for one signal; undefined where they say nothing (or something bad). */
export interface OtelSignalEnv {
  /** A full URL: the signal's own variable as is, or the base endpoint with /v1/<signal> appended. */
  url?: string
  headers?: Record<string, string>
  protocol?: OtlpProtocol
  compression?: OtlpCompression
  timeoutMs?: number
  /** OTEL_TRACES_EXPORTER / OTEL_LOGS_EXPORTER is 'none'. */
  disabled: boolean
}

export interface OtelEnv {
  /** OTEL_SDK_DISABLED=true: the variables turn no export on. */
  sdkDisabled: boolean
  /** Whether the variables alone ask for export: an OTLP endpoint is set and the SDK not disabled. */
  exports: boolean
  serviceName?: string
  /** OTEL_RESOURCE_ATTRIBUTES, decoded. */
  resourceAttributes: Record<string, string>
  traces: OtelSignalEnv
  logs: OtelSignalEnv
}

import { isHeaderName, isHeaderValue, isReservedHeader } from './header-syntax.js'

type Env = Readonly<Record<string, string | undefined>>

const reported = new Set<string>()

/** Emits each distinct complaint once per process. */
function report(name: string, problem: string): void {
  const message = `ringtrace: ignoring ${name}: ${problem}`
  if (reported.has(message)) return
  reported.add(message)
  process.emitWarning(message, { code: 'RINGTRACE_OTEL_ENV' })
}

/** A variable's value, trimmed; undefined when unset or empty (the specification treats both alike). */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

function readUrl(env: Env, name: string): URL | undefined {
  const value = read(env, name)
  if (value === undefined) return undefined
  const url = parseHttpUrl(value)
  if (url === undefined) report(name, `${JSON.stringify(value)} is not an http:// or https:// URL`)
  return url
}

/** An http(s) URL, or undefined. */
export function parseHttpUrl(text: string): URL | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
}

/** The signal's path appended to a base endpoint, as the OTLP exporter specification says. */
export function signalUrl(base: URL, signal: OtlpSignal): string {
  const path = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`
  return new URL(`${path}v1/${signal}${base.search}`, base).href
}

/**
 * W3C baggage-style `key=value,key2=value2` with percent-encoded values, as the headers and
 * resource variables use; undefined (after a report) when an entry is malformed.
 */
function readPairs(env: Env, name: string): Record<string, string> | undefined {
  const value = read(env, name)
  if (value === undefined) return undefined
  const out: Record<string, string> = {}
  for (const entry of value.split(',')) {
    if (entry.trim() === '') continue
    const eq = entry.indexOf('=')
    const key = eq < 0 ? '' : entry.slice(0, eq).trim()
    if (key === '') {
      report(name, `entry ${JSON.stringify(entry)} is not key=value`)
      return undefined
    }
    try {
      out[decodeURIComponent(key)] = decodeURIComponent(entry.slice(eq + 1).trim())
    } catch {
      report(name, `entry ${JSON.stringify(entry)} has a bad percent-encoding`)
      return undefined
    }
  }
  return out
}

function readHeaders(env: Env, name: string): Record<string, string> | undefined {
  const pairs = readPairs(env, name)
  if (pairs === undefined) return undefined
  const headers: Record<string, string> = {}
  for (const [key, value] of Object.entries(pairs)) {
    if (!isHeaderName(key) || !isHeaderValue(value)) {
      report(name, `${JSON.stringify(key)} is not a valid HTTP header name and value`)
      return undefined
    }
    if (isReservedHeader(key)) {
      report(name, `${JSON.stringify(key)} frames the request and is set by the exporter`)
      continue
    }
    headers[key.toLowerCase()] = value
  }
  return headers
}

function readProtocol(env: Env, name: string): OtlpProtocol | undefined {
  const value = read(env, name)
  if (value === undefined || value === 'http/protobuf' || value === 'http/json') return value
  report(name, value === 'grpc'
    ? 'ringtrace exports over HTTP only (http/protobuf or http/json); using http/protobuf'
    : `${JSON.stringify(value)} is not http/protobuf or http/json`)
  return undefined
}

function readCompression(env: Env, name: string): OtlpCompression | undefined {
  const value = read(env, name)
  if (value === undefined || value === 'gzip' || value === 'none') return value
  report(name, `${JSON.stringify(value)} is not gzip or none`)
  return undefined
}

function readTimeout(env: Env, name: string): number | undefined {
  const value = read(env, name)
  if (value === undefined) return undefined
  const ms = /^\d+$/.test(value) ? Number(value) : NaN
  if (Number.isSafeInteger(ms) && ms > 0) return ms
  report(name, `${JSON.stringify(value)} is not a positive whole number of milliseconds`)
  return undefined
}

function readBoolean(env: Env, name: string): boolean {
  const value = read(env, name)?.toLowerCase()
  if (value === undefined || value === 'false') return false
  if (value === 'true') return true
  report(name, `${JSON.stringify(value)} is not true or false`)
  return false
}

function readSignal(env: Env, signal: OtlpSignal, base: URL | undefined): OtelSignalEnv {
  const upper = signal.toUpperCase()
  const own = readUrl(env, `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`)
  const exporter = read(env, `OTEL_${upper}_EXPORTER`)
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none') {
    report(`OTEL_${upper}_EXPORTER`, `${JSON.stringify(exporter)} is not otlp or none`)
  }
  const pick = <T>(reader: (env: Env, name: string) => T | undefined, suffix: string): T | undefined =>
    reader(env, `OTEL_EXPORTER_OTLP_${upper}_${suffix}`) ?? reader(env, `OTEL_EXPORTER_OTLP_${suffix}`)
  const signalHeaders = readHeaders(env, `OTEL_EXPORTER_OTLP_${upper}_HEADERS`)
  const baseHeaders = readHeaders(env, 'OTEL_EXPORTER_OTLP_HEADERS')
  const headers = signalHeaders === undefined && baseHeaders === undefined ? undefined : { ...baseHeaders, ...signalHeaders }
  return {
    url: own?.href ?? (base === undefined ? undefined : signalUrl(base, signal)),
    ...(headers === undefined ? {} : { headers }),
    ...optional('protocol', pick(readProtocol, 'PROTOCOL')),
    ...optional('compression', pick(readCompression, 'COMPRESSION')),
    ...optional('timeoutMs', pick(readTimeout, 'TIMEOUT')),
    disabled: exporter === 'none',
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : { [key]: value } as Record<K, V>
}

/** Reads the variables (default: process.env). */
export function readOtelEnv(env: Env = process.env): OtelEnv {
  const base = readUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')
  const traces = readSignal(env, 'traces', base)
  const logs = readSignal(env, 'logs', base)
  const sdkDisabled = readBoolean(env, 'OTEL_SDK_DISABLED')
  const exports = !sdkDisabled && ((traces.url !== undefined && !traces.disabled) || (logs.url !== undefined && !logs.disabled))
  return {
    sdkDisabled,
    exports,
    ...optional('serviceName', read(env, 'OTEL_SERVICE_NAME')),
    resourceAttributes: readPairs(env, 'OTEL_RESOURCE_ATTRIBUTES') ?? {},
    traces,
    logs,
  }
}
