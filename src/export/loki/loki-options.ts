// The Loki exporter's options and their checks: every mistake is a TracerError naming the key
// (export.loki.<key>), found when the exporter is configured rather than as a 400 from Loki.

import { describeValue, TracerError } from '../../errors.js'
import { checkKnownKeys } from '../../option-keys.js'
import { isHeaderName, isHeaderValue, isReservedHeader } from '../header-syntax.js'
import { BUILT_IN_LABELS, isLabelName, MAX_LABEL_NAMES, MAX_LABEL_VALUE_BYTES, sanitizeLabelValue, type LokiLabel } from './loki-labels.js'

export interface LokiOptions {
  /** Loki's base URL (http://loki:3100), to which /loki/api/v1/push is added, or the full push URL. */
  endpoint: string
  /** Constant labels of every stream, such as { env: 'prod' }. */
  labels?: Record<string, string>
  /** Fields that become labels when a record has them (each distinct value is a stream: keep them few). */
  fieldLabels?: string[]
  /** Loki tenant, sent as X-Scope-OrgID (multi-tenant Loki, Grafana Enterprise Logs). */
  tenant?: string
  /** 'protobuf' (default: snappy-compressed, Loki's own format) or 'json'. */
  protocol?: 'protobuf' | 'json'
  /** Extra request headers, such as { Authorization: 'Basic ...' }. */
  headers?: Record<string, string>
  /**
   * trace_id and span_id as structured metadata (default true; Loki 3, or 2.9 with schema v13).
   * false writes them into the line instead, for a Loki that refuses structured metadata.
   */
  structuredMetadata?: boolean
}

export interface ResolvedLoki {
  /** The push URL. */
  readonly url: string
  readonly protocol: 'protobuf' | 'json'
  /** application/x-protobuf (the body is snappy-compressed already: no Content-Encoding) or application/json. */
  readonly contentType: string
  /** The configured headers and, with a tenant, X-Scope-OrgID. */
  readonly headers: Readonly<Record<string, string>>
  readonly tenant: string | undefined
  /** Constant labels, in name order. */
  readonly labels: readonly LokiLabel[]
  readonly fieldLabels: readonly string[]
  readonly structuredMetadata: boolean
}

export const LOKI_PUSH_PATH = '/loki/api/v1/push'
export const TENANT_HEADER = 'X-Scope-OrgID'

const PREFIX = 'export.loki.'
const LOKI_OPTION_KEYS = Object.keys({
  endpoint: true,
  labels: true,
  fieldLabels: true,
  tenant: true,
  protocol: true,
  headers: true,
  structuredMetadata: true,
} satisfies Record<keyof LokiOptions, true>)

/** Headers the HTTP layer sets from the body: a configured one would contradict it. */
/** Loki's tenant ID rules: at most 150 bytes of these characters, and not "." or "..". */
const TENANT_ID = /^[a-zA-Z0-9!\-_.*'()]{1,150}$/

function fail(key: string, message: string): never {
  throw new TracerError('INVALID_OPTION', `ringtrace: ${PREFIX}${key} ${message}`)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Checks Loki options (from an untyped caller too) and resolves the push URL, headers and labels. */
export function checkLokiOptions(value: unknown): ResolvedLoki {
  if (!isRecord(value)) throw new TracerError('INVALID_OPTION', `ringtrace: export.loki must be an object such as { endpoint: 'http://localhost:3100' }, got ${describeValue(value)}`)
  checkKnownKeys(value, LOKI_OPTION_KEYS, PREFIX)
  const { endpoint, labels, fieldLabels, tenant, protocol, headers, structuredMetadata } = value
  const resolvedProtocol = protocol ?? 'protobuf'
  if (resolvedProtocol !== 'protobuf' && resolvedProtocol !== 'json') fail('protocol', `must be 'protobuf' or 'json', got ${describeValue(protocol)}`)
  if (structuredMetadata !== undefined && typeof structuredMetadata !== 'boolean') fail('structuredMetadata', `must be a boolean, got ${describeValue(structuredMetadata)}`)
  const constantLabels = checkLabels(labels)
  const promoted = checkFieldLabels(fieldLabels, constantLabels)
  const labelCount = BUILT_IN_LABELS.length + constantLabels.length + promoted.length
  if (labelCount > MAX_LABEL_NAMES) {
    fail('labels', `and fieldLabels give ${labelCount} label names with ${BUILT_IN_LABELS.join(', ')}; Loki accepts at most ${MAX_LABEL_NAMES} per stream`)
  }
  const resolvedTenant = checkTenant(tenant)
  const resolvedHeaders = checkHeaders(headers, resolvedTenant)
  return {
    url: pushUrl(endpoint),
    protocol: resolvedProtocol,
    contentType: resolvedProtocol === 'protobuf' ? 'application/x-protobuf' : 'application/json',
    headers: resolvedHeaders,
    tenant: resolvedTenant,
    labels: constantLabels,
    fieldLabels: promoted,
    structuredMetadata: structuredMetadata ?? true,
  }
}

function pushUrl(endpoint: unknown): string {
  if (typeof endpoint !== 'string') fail('endpoint', `must be an http(s) URL such as 'http://localhost:3100', got ${describeValue(endpoint)}`)
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    fail('endpoint', `must be an http(s) URL such as 'http://localhost:3100', got ${describeValue(endpoint)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('endpoint', `must be an http: or https: URL, got ${describeValue(endpoint)}`)
  if (url.username !== '' || url.password !== '') fail('endpoint', 'must not hold credentials: set export.loki.headers, such as { Authorization: \'Basic ...\' }')
  if (url.pathname === '/') url.pathname = LOKI_PUSH_PATH
  return url.href
}

function checkLabels(labels: unknown): LokiLabel[] {
  if (labels === undefined) return []
  if (!isRecord(labels)) fail('labels', `must be an object of label names to values, such as { env: 'prod' }, got ${describeValue(labels)}`)
  const checked: LokiLabel[] = []
  for (const [name, value] of Object.entries(labels)) {
    if (!isLabelName(name)) fail(`labels.${name}`, 'is not a Loki label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting with __')
    if ((BUILT_IN_LABELS as readonly string[]).includes(name)) fail(`labels.${name}`, `is a label ringtrace sets (${BUILT_IN_LABELS.join(', ')})`)
    if (typeof value !== 'string' || value === '') fail(`labels.${name}`, `must be a non-empty string, got ${describeValue(value)}`)
    if (sanitizeLabelValue(value) !== value) fail(`labels.${name}`, `must be well-formed text of at most ${MAX_LABEL_VALUE_BYTES} bytes of UTF-8`)
    checked.push({ name, value })
  }
  return checked.sort((a, b) => (a.name < b.name ? -1 : 1))
}

function checkFieldLabels(fieldLabels: unknown, constantLabels: readonly LokiLabel[]): string[] {
  if (fieldLabels === undefined) return []
  if (!Array.isArray(fieldLabels)) fail('fieldLabels', `must be an array of field names, such as ['region'], got ${describeValue(fieldLabels)}`)
  const names: string[] = []
  for (const [i, name] of [...fieldLabels].entries()) {
    if (typeof name !== 'string' || !isLabelName(name)) fail(`fieldLabels[${i}]`, `must be a field name that is a Loki label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __), got ${describeValue(name)}`)
    if ((BUILT_IN_LABELS as readonly string[]).includes(name) || constantLabels.some((l) => l.name === name) || names.includes(name)) {
      fail(`fieldLabels[${i}]`, `names label ${JSON.stringify(name)}, which is already set (by ringtrace, export.loki.labels or an earlier entry)`)
    }
    names.push(name)
  }
  return names
}

function checkTenant(tenant: unknown): string | undefined {
  if (tenant === undefined) return undefined
  if (typeof tenant !== 'string' || !TENANT_ID.test(tenant) || tenant === '.' || tenant === '..') {
    fail('tenant', `must be a Loki tenant ID (1 to 150 of a-z A-Z 0-9 ! - _ . * ' ( ), not "." or ".."), got ${describeValue(tenant)}`)
  }
  return tenant
}

function checkHeaders(headers: unknown, tenant: string | undefined): Record<string, string> {
  // No prototype: a header named __proto__ is then a header like any other.
  const checked = Object.create(null) as Record<string, string>
  if (headers !== undefined) {
    if (!isRecord(headers)) fail('headers', `must be an object of header names to values, got ${describeValue(headers)}`)
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string') fail(`headers.${name}`, `must be a string, got ${describeValue(value)}`)
      if (!isHeaderName(name)) fail(`headers.${name}`, 'is not an HTTP header name (a token)')
      if (!isHeaderValue(value)) fail(`headers.${name}`, 'is not an HTTP header value (no control characters)')
      const lower = name.toLowerCase()
      if (isReservedHeader(lower)) fail(`headers.${name}`, 'frames the request and is set by the exporter')
      if (lower === TENANT_HEADER.toLowerCase() && tenant !== undefined) fail(`headers.${name}`, 'contradicts export.loki.tenant: give one of them')
      checked[name] = value
    }
  }
  if (tenant !== undefined) checked[TENANT_HEADER] = tenant
  return checked
}
