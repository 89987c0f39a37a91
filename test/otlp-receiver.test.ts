import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MockOtlpServer, normalizeLogs, normalizeTrace } from '@elastic/mockotlpserver'
import { OtlpSpanKind, OtlpStatusCode, type ExportLog, type ExportResource, type ExportScope, type ExportSpan } from '../src/export/model.js'
import { encodeLogs } from '../src/export/otlp/otlp-logs-proto.js'
import { encodeLogsJson } from '../src/export/otlp/otlp-logs-json.js'
import { readPartialSuccess } from '../src/export/otlp/otlp-response.js'
import { encodeTraces } from '../src/export/otlp/otlp-traces-proto.js'
import { encodeTracesJson } from '../src/export/otlp/otlp-traces-json.js'

// A real OTLP/HTTP receiver, in this process, on a free port of 127.0.0.1. It answers before it
// decodes, then hands the decoded request to onTrace/onLogs, so each post waits for that.

const resource: ExportResource = {
  attributes: [{ key: 'service.name', type: 'str', value: 'checkout' }, { key: 'process.pid', type: 'u32', value: 4242 }],
}
const scope: ExportScope = { name: 'Ringtrace.Test', version: '1.2.3' }
const TRACE_ID = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)
const ROOT_ID = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)
const CHILD_ID = Uint8Array.of(9, 10, 11, 12, 13, 14, 15, 16)
const START = 1_733_000_000_000_000_000n

const spans: ExportSpan[] = [
  {
    traceId: TRACE_ID, spanId: ROOT_ID, parentSpanId: undefined, name: 'GET /items', kind: OtlpSpanKind.Server,
    startNs: START, endNs: START + 2000n, events: [], statusCode: OtlpStatusCode.Unset, statusMessage: '',
    attributes: [
      { key: 'route', type: 'str', value: '/items/:id' }, { key: 'http.status_code', type: 'u16', value: 200 },
      { key: 'cached', type: 'bool', value: true }, { key: 'ratio', type: 'f64', value: 0.5 },
    ],
  },
  {
    traceId: TRACE_ID, spanId: CHILD_ID, parentSpanId: ROOT_ID, name: 'db.query', kind: OtlpSpanKind.Client,
    startNs: START + 100n, endNs: START + 900n, attributes: [],
    events: [{ name: 'exception', timeNs: START + 800n, attributes: [{ key: 'exception.type', type: 'str', value: 'TimeoutError' }] }],
    statusCode: OtlpStatusCode.Error, statusMessage: 'timed out',
  },
]

const logs: ExportLog[] = [
  {
    timeNs: START + 500n, observedNs: START + 9000n, severityNumber: 13, severityText: 'WARN', body: 'CacheMiss',
    eventName: 'CacheMiss', attributes: [{ key: 'key', type: 'str', value: 'item:7' }], traceId: TRACE_ID, spanId: ROOT_ID,
  },
  {
    timeNs: START + 600n, observedNs: START + 9000n, severityNumber: 9, severityText: 'INFO', body: 'Started',
    eventName: 'Started', attributes: [], traceId: undefined, spanId: undefined,
  },
]

const resourceNormalized = { attributes: { 'service.name': 'checkout', 'process.pid': 4242 } }
const scopeNormalized = { name: 'Ringtrace.Test', version: '1.2.3' }
const hex = (id: Uint8Array) => Buffer.from(id).toString('hex')

const tracesNormalized = {
  resourceSpans: [{
    resource: resourceNormalized,
    scopeSpans: [{
      scope: scopeNormalized,
      spans: [
        {
          traceId: hex(TRACE_ID), spanId: hex(ROOT_ID), name: 'GET /items', kind: 'SPAN_KIND_SERVER',
          startTimeUnixNano: String(START), endTimeUnixNano: String(START + 2000n),
          attributes: { route: '/items/:id', 'http.status_code': 200, cached: true, ratio: 0.5 }, flags: 1,
        },
        {
          traceId: hex(TRACE_ID), spanId: hex(CHILD_ID), parentSpanId: hex(ROOT_ID), name: 'db.query', kind: 'SPAN_KIND_CLIENT',
          startTimeUnixNano: String(START + 100n), endTimeUnixNano: String(START + 900n),
          events: [{ timeUnixNano: String(START + 800n), name: 'exception', attributes: { 'exception.type': 'TimeoutError' } }],
          status: { message: 'timed out', code: 'STATUS_CODE_ERROR' }, flags: 1,
        },
      ],
    }],
  }],
}

/** The logs as the receiver normalizes them; `eventName` only when it parsed the JSON itself (its protos predate field 12). */
function logsNormalized(withEventName: boolean): unknown {
  const eventName = (name: string) => (withEventName ? { eventName: name } : {})
  return {
    resourceLogs: [{
      resource: resourceNormalized,
      scopeLogs: [{
        scope: scopeNormalized,
        logRecords: [
          {
            timeUnixNano: String(START + 500n), severityNumber: 13, severityText: 'WARN', body: 'CacheMiss',
            attributes: { key: 'item:7' }, flags: 1, traceId: hex(TRACE_ID), spanId: hex(ROOT_ID),
            observedTimeUnixNano: String(START + 9000n), ...eventName('CacheMiss'),
          },
          {
            timeUnixNano: String(START + 600n), severityNumber: 9, severityText: 'INFO', body: 'Started',
            observedTimeUnixNano: String(START + 9000n), ...eventName('Started'),
          },
        ],
      }],
    }],
  }
}

let server: MockOtlpServer
let received: ((request: unknown) => void) | undefined

beforeAll(async () => {
  const deliver = (normalize: (request: unknown) => unknown) => (request: unknown) => received?.(normalize(request))
  server = new MockOtlpServer({
    logLevel: 'error', services: ['http'], httpHostname: '127.0.0.1', httpPort: 0,
    onTrace: deliver(normalizeTrace), onLogs: deliver(normalizeLogs),
  })
  await server.start()
})

afterAll(async () => {
  await server.close()
})

/** Posts `body`; resolves with the HTTP status, the response's partial success and what the receiver decoded. */
async function post(path: string, contentType: string, body: Uint8Array): Promise<unknown> {
  const decoded = new Promise<unknown>((resolve) => { received = resolve })
  const response = await fetch(new URL(path, server.httpUrl!), { method: 'POST', headers: { 'content-type': contentType }, body })
  const answer = new Uint8Array(await response.arrayBuffer())
  const signal = path === '/v1/traces' ? 'traces' : 'logs'
  return { status: response.status, partialSuccess: readPartialSuccess(signal, contentType, answer), decoded: await decoded }
}

// A request the receiver fails to decode never calls back: the timeout says so.
describe('an OTLP/HTTP receiver (@elastic/mockotlpserver)', { timeout: 10_000 }, () => {
  it('accepts and decodes spans as http/protobuf', async () => {
    expect(await post('/v1/traces', 'application/x-protobuf', encodeTraces(resource, scope, spans)))
      .toEqual({ status: 200, partialSuccess: { rejected: 0, message: '' }, decoded: tracesNormalized })
  })

  it('accepts and decodes spans as http/json', async () => {
    expect(await post('/v1/traces', 'application/json', encodeTracesJson(resource, scope, spans)))
      .toEqual({ status: 200, partialSuccess: { rejected: 0, message: '' }, decoded: tracesNormalized })
  })

  it('accepts and decodes log records as http/protobuf, skipping event_name as an unknown field', async () => {
    expect(await post('/v1/logs', 'application/x-protobuf', encodeLogs(resource, scope, logs)))
      .toEqual({ status: 200, partialSuccess: { rejected: 0, message: '' }, decoded: logsNormalized(false) })
  })

  it('accepts and decodes log records as http/json', async () => {
    expect(await post('/v1/logs', 'application/json', encodeLogsJson(resource, scope, logs)))
      .toEqual({ status: 200, partialSuccess: { rejected: 0, message: '' }, decoded: logsNormalized(true) })
  })
})
