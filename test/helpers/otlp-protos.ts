// The official OTLP protos (as vendored by @elastic/mockotlpserver), loaded with protobufjs, and
// decoders that turn an OTLP protobuf body and an OTLP/JSON body into the same plain object, so a
// test can compare both encodings with one expected value.

import { isAbsolute, join } from 'node:path'
import protobuf from 'protobufjs'

/** The directory the protos' imports ("opentelemetry/proto/...") are relative to. */
const INCLUDE_ROOT = join(__dirname, '..', '..', 'node_modules', '@elastic', 'mockotlpserver')
const PROTO_DIR = join(INCLUDE_ROOT, 'opentelemetry', 'proto')

function load(): protobuf.Root {
  const root = new protobuf.Root()
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(INCLUDE_ROOT, target))
  root.loadSync([
    join(PROTO_DIR, 'collector', 'trace', 'v1', 'trace_service.proto'),
    join(PROTO_DIR, 'collector', 'logs', 'v1', 'logs_service.proto'),
  ])
  // The vendored protos (OTLP 1.4) predate LogRecord.event_name, field 12 since OTLP 1.5.
  root.lookupType('opentelemetry.proto.logs.v1.LogRecord').add(new protobuf.Field('eventName', 12, 'string'))
  return root
}

const root = load()
export const ExportTraceServiceRequest = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest')
export const ExportLogsServiceRequest = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest')
export const ExportTraceServiceResponse = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse')
export const ExportLogsServiceResponse = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse')

/** google.rpc.Status, the body of an OTLP error response (not among the OTLP protos). */
export const RpcStatus = protobuf.parse(`
syntax = "proto3";
package google.rpc;
message Any { string type_url = 1; bytes value = 2; }
message Status { int32 code = 1; string message = 2; repeated Any details = 3; }`).root.lookupType('google.rpc.Status')

const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId'])

/** Rewrites the values of trace/span id keys anywhere in `value` with `convert`. */
function mapIds(value: unknown, convert: (id: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapIds(item, convert))
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([key, item]) =>
    [key, ID_KEYS.has(key) && typeof item === 'string' ? convert(item) : mapIds(item, convert)]))
}

const hexFromBase64 = (id: string) => Buffer.from(id, 'base64').toString('hex')
const base64FromHex = (id: string) => Buffer.from(id, 'hex').toString('base64')

function plain(type: protobuf.Type, message: protobuf.Message): unknown {
  // Longs as decimal strings and bytes as base64 (bytesValue), ids then as hex: the OTLP/JSON spellings.
  return mapIds(type.toObject(message, { longs: String, enums: Number, bytes: String }), hexFromBase64)
}

/** A protobuf body decoded by protobufjs, as a plain object (ids in hex, 64-bit integers as strings). */
export function decodeProto(type: protobuf.Type, body: Uint8Array): unknown {
  return plain(type, type.decode(body))
}

/**
 * An OTLP/JSON body read per the OTLP/JSON rules (hex ids; everything else as the protobuf JSON
 * mapping) into the message, as the same plain object as decodeProto() gives.
 */
export function decodeJson(type: protobuf.Type, body: Uint8Array): unknown {
  const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as unknown
  return plain(type, type.fromObject(mapIds(parsed, base64FromHex) as Record<string, unknown>))
}
