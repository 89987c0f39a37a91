// The JSON of FILE and STREAM chunks (docs/FORMAT.md section 3) checked field by field: every
// value a reader, an exporter or a view later uses is of its documented type and range here, or
// the chunk is refused. Absent optional fields take their empty value.

import { shown } from './trace-file-error.js'
import type { StreamExport, StreamExporter } from './stream-state.js'
import type { TraceThread } from './trace-items.js'

/** The FILE chunk's process description and clock mapping. */
export interface TraceFileInfo {
  readonly provider: string
  readonly pid: number
  readonly hostname: string
  readonly createdBy: string
  readonly monoNs: bigint
  readonly wallNs: bigint
}

export interface StreamInfo {
  readonly stream: number
  readonly thread: TraceThread
  /** Epoch ns of the stream's timestamp 0. */
  readonly originNs: bigint
}

/**
 * Farthest epoch time, in ms either way, of anything a reader hands out: a day inside the range
 * of a JavaScript Date (8.64e15 ms), so that neither the float `time` nor the exact
 * `timestampNs` of an item, rounded either way, leaves it and `new Date(...).toISOString()`
 * cannot throw in any consumer.
 */
export const MAX_TIME_MS = 8.64e15 - 86_400_000
const MAX_TIME_NS = BigInt(MAX_TIME_MS) * 1_000_000n

/** ns as a decimal string; 20 digits hold any 64-bit value and keep BigInt parsing cheap. */
const DECIMAL = /^-?\d{1,20}$/

/** Whether a JSON value has a field's documented type and range. */
type Check = (value: unknown) => boolean

const isString: Check = (value) => typeof value === 'string'
const isBoolean: Check = (value) => typeof value === 'boolean'
const isDecimal: Check = (value) => typeof value === 'string' && DECIMAL.test(value)
const isId: Check = (value) => Number.isSafeInteger(value) && (value as number) >= 0

export function isU32(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffff_ffff
}

/** The name of the first field of `json` that is present (or `required`) and fails its check. */
function firstBadField(json: Record<string, unknown>, checks: Record<string, Check>, required: readonly string[]): string | undefined {
  for (const [name, check] of Object.entries(checks)) {
    const value = json[name]
    if (value === undefined ? required.includes(name) : !check(value)) return name
  }
  return undefined
}

function badField(json: Record<string, unknown>, name: string): string {
  const value = json[name]
  return value === undefined ? `no ${name}` : `bad ${name} ${shown(value)}`
}

function inDateRange(ns: bigint): boolean {
  return ns >= -MAX_TIME_NS && ns <= MAX_TIME_NS
}

const FILE_CHECKS: Record<string, Check> = {
  provider: isString, pid: isId, hostname: isString, createdBy: isString, monoNs: isDecimal, wallNs: isDecimal,
}

/** Why a FILE chunk's JSON cannot be used, or what it says. */
export function fileInfo(json: Record<string, unknown>): TraceFileInfo | string {
  const bad = firstBadField(json, FILE_CHECKS, ['monoNs', 'wallNs'])
  if (bad !== undefined) return `FILE chunk: ${badField(json, bad)}`
  const wallNs = BigInt(json.wallNs as string)
  if (!inDateRange(wallNs)) return `FILE chunk: wallNs ${wallNs} is outside the dates a reader can show`
  return {
    provider: (json.provider as string | undefined) ?? '',
    pid: (json.pid as number | undefined) ?? 0,
    hostname: (json.hostname as string | undefined) ?? '',
    createdBy: (json.createdBy as string | undefined) ?? '',
    monoNs: BigInt(json.monoNs as string),
    wallNs,
  }
}

const STREAM_CHECKS: Record<string, Check> = {
  stream: isU32, threadId: isId, threadName: isString, isMainThread: isBoolean, originMonoNs: isDecimal,
}

/** Why a STREAM chunk's JSON cannot be used, or the stream it announces. */
export function streamInfo(json: Record<string, unknown>, file: TraceFileInfo): StreamInfo | string {
  const bad = firstBadField(json, STREAM_CHECKS, ['stream', 'threadId', 'originMonoNs'])
  if (bad !== undefined) return `STREAM chunk: ${badField(json, bad)}`
  const originNs = file.wallNs + (BigInt(json.originMonoNs as string) - file.monoNs)
  if (!inDateRange(originNs)) return `STREAM chunk: its origin, ${originNs} ns, is outside the dates a reader can show`
  return {
    stream: json.stream as number,
    thread: {
      id: json.threadId as number,
      name: (json.threadName as string | undefined) ?? '',
      isMainThread: json.isMainThread === true,
    },
    originNs,
  }
}

const isCount: Check = (value) => Number.isSafeInteger(value) && (value as number) >= 0
const EXPORTER_CHECKS: Record<string, Check> = {
  handedOver: isCount, exported: isCount, failed: isCount, dropped: isCount, retried: isCount, pending: isCount,
}
const EXPORTER_COUNTS = Object.keys(EXPORTER_CHECKS)

function lastErrorOf(value: unknown): StreamExporter['lastError'] | string {
  if (value === null || value === undefined) return null
  if (typeof value !== 'object' || Array.isArray(value)) return 'bad lastError'
  const { status, message, at } = value as Record<string, unknown>
  if (typeof message !== 'string' || !Number.isFinite(at) || (status !== undefined && !isId(status))) return 'bad lastError'
  return { ...(status === undefined ? {} : { status: status as number }), message, at: at as number }
}

/** Why an EXPORT chunk's JSON cannot be used, or the exporter counters it carries. */
export function exportInfo(json: Record<string, unknown>): StreamExport | string {
  for (const name of ['liveDropped', 'unmatchedStops']) {
    if (!isCount(json[name])) return `EXPORT chunk: ${badField(json, name)}`
  }
  const { exporters } = json
  if (typeof exporters !== 'object' || exporters === null || Array.isArray(exporters)) return `EXPORT chunk: ${badField(json, 'exporters')}`
  const out: Record<string, StreamExporter> = {}
  for (const [name, value] of Object.entries(exporters)) {
    if (typeof value !== 'object' || value === null) return `EXPORT chunk: exporter ${shown(name)} is not an object`
    const counters = value as Record<string, unknown>
    const bad = firstBadField(counters, EXPORTER_CHECKS, EXPORTER_COUNTS)
    if (bad !== undefined) return `EXPORT chunk: exporter ${shown(name)}: ${badField(counters, bad)}`
    const lastError = lastErrorOf(counters.lastError)
    if (typeof lastError === 'string') return `EXPORT chunk: exporter ${shown(name)}: ${lastError}`
    const count = (key: string) => counters[key] as number
    out[name] = {
      handedOver: count('handedOver'), exported: count('exported'), failed: count('failed'),
      dropped: count('dropped'), retried: count('retried'), pending: count('pending'), lastError,
    }
  }
  return { liveDropped: json.liveDropped as number, unmatchedStops: json.unmatchedStops as number, exporters: out }
}
