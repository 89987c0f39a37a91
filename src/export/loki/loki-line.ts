// The line and structured metadata of a Loki entry.
//
// The line is one compact JSON object: {"msg":<body>, ...fields}. JSON rather than logfmt because
// it keeps the fields' types (numbers stay numbers, arrays stay arrays, strings with quotes,
// newlines or `=` need no ad hoc quoting), LogQL's `| json` extracts every key, and Grafana shows
// the fields of a JSON line in its log details. Values are written as ringtrace's other JSON
// exporters write them: 64-bit integers as decimal strings (exact in every JSON reader, and
// `| unwrap` still reads them), binary as base64, NaN and infinities as strings. A logger's JSON
// field (an object it logged) is embedded as the JSON it holds, so `| json` reaches inside it.
//
// Keys the line itself uses (msg, ts, trace_id, span_id) are reserved: a field of that name is
// written as field_<name>, so that no key appears twice and `| json` never has to pick one.

import type { ExportAttribute, ExportLog } from '../model.js'
import { typedFieldJson } from '../../exporters/field-json.js'
import type { LokiLabel } from './loki-labels.js'
import { rfc3339Nano } from './unix-time.js'

const RESERVED_KEYS: ReadonlySet<string> = new Set(['msg', 'ts', 'trace_id', 'span_id'])

/** What the line writer needs from the resolved config. */
export interface LokiLineConfig {
  /** Fields promoted to labels: left out of the line. */
  readonly fieldLabels: readonly string[]
  /** trace_id and span_id as structured metadata (true) or as keys of the line (false). */
  readonly structuredMetadata: boolean
}

const NO_METADATA: readonly LokiLabel[] = []

export class LokiLineWriter {
  private readonly promoted: ReadonlySet<string>
  private readonly idsInMetadata: boolean

  constructor(config: LokiLineConfig) {
    this.promoted = new Set(config.fieldLabels)
    this.idsInMetadata = config.structuredMetadata
  }

  /**
   * The record's line. `retimed`: the entry is sent at a later time than it was traced (the
   * stream's watermark, loki-streams.ts), so the line keeps the real time as "ts" (RFC 3339, ns).
   */
  lineOf(record: ExportLog, retimed: boolean): string {
    let text = `{"msg":${JSON.stringify(record.body)}`
    if (retimed) text += `,"ts":"${rfc3339Nano(record.timeNs)}"`
    if (!this.idsInMetadata) {
      if (record.traceId !== undefined) text += `,"trace_id":"${hex(record.traceId)}"`
      if (record.spanId !== undefined) text += `,"span_id":"${hex(record.spanId)}"`
    }
    for (const attribute of record.attributes) {
      if (this.promoted.has(attribute.key)) continue
      const value = attribute.json === true ? attribute.value as string : typedFieldJson(attribute.value, attribute.type === 'binary')
      text += `,${JSON.stringify(lineKey(attribute.key, record.attributes))}:${value}`
    }
    return `${text}}`
  }

  /** The entry's structured metadata: trace_id and span_id (hex) when the record has them and the config wants them there. */
  metadataOf(record: ExportLog): readonly LokiLabel[] {
    if (!this.idsInMetadata || (record.traceId === undefined && record.spanId === undefined)) return NO_METADATA
    const metadata: LokiLabel[] = []
    if (record.traceId !== undefined) metadata.push({ name: 'trace_id', value: hex(record.traceId) })
    if (record.spanId !== undefined) metadata.push({ name: 'span_id', value: hex(record.spanId) })
    return metadata
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** A field's key in the line: its name, or field_<name> (again, until free) for a reserved one. */
function lineKey(key: string, attributes: readonly ExportAttribute[]): string {
  let name = key
  while (RESERVED_KEYS.has(name) || (name !== key && attributes.some((a) => a.key === name))) name = `field_${name}`
  return name
}
