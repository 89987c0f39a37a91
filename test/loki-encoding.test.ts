import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TracerError } from '../src/errors.js'
import type { ExportAttribute, ExportLog, ExportResource } from '../src/export/model.js'
import { labelText, lokiLevel } from '../src/export/loki/loki-labels.js'
import { checkLokiOptions, type LokiOptions, type ResolvedLoki } from '../src/export/loki/loki-options.js'
import { encodeLokiPush, encodePushRequest } from '../src/export/loki/loki-push-proto.js'
import { encodeLokiPushJson } from '../src/export/loki/loki-push-json.js'
import { LokiStreams, type LokiStream } from '../src/export/loki/loki-streams.js'
import { rfc3339Nano, secondsAndNanos } from '../src/export/loki/unix-time.js'
import { decodePushBody, startLokiReceiver, type LokiReceiver, type ReceivedStream } from './helpers/loki-receiver.js'
import { prng } from './helpers/seeded-random.js'

const RESOURCE: ExportResource = {
  attributes: [
    { key: 'service.name', type: 'str', value: 'checkout' },
    { key: 'process.pid', type: 'u32', value: 4242 },
  ],
}
const T0 = 1_733_000_000_000_000_000n
const TRACE_ID = Uint8Array.from({ length: 16 }, (_, i) => i + 1)
const SPAN_ID = Uint8Array.from({ length: 8 }, (_, i) => 0xa0 + i)

function attribute(key: string, type: ExportAttribute['type'], value: ExportAttribute['value']): ExportAttribute {
  return { key, type, value }
}

function record(timeNs: bigint, overrides: Partial<ExportLog> = {}): ExportLog {
  return {
    timeNs,
    observedNs: timeNs,
    severityNumber: 9,
    severityText: 'INFO',
    body: 'http.request',
    eventName: 'http.request',
    attributes: [],
    traceId: undefined,
    spanId: undefined,
    ...overrides,
  }
}

function resolve(options: Partial<LokiOptions> = {}): ResolvedLoki {
  return checkLokiOptions({ endpoint: 'http://127.0.0.1:3100', ...options })
}

function encode(resolved: ResolvedLoki, streams: readonly LokiStream[]): Uint8Array {
  return resolved.protocol === 'protobuf' ? encodeLokiPush(streams) : encodeLokiPushJson(streams)
}

function invalid(options: unknown): TracerError {
  try {
    checkLokiOptions(options)
  } catch (error) {
    if (error instanceof TracerError) return error
    throw error
  }
  throw new Error(`no error for ${JSON.stringify(options)}`)
}

function expectInvalid(options: unknown, key: string): void {
  const error = invalid(options)
  expect({ code: error.code, names: error.message.startsWith(`ringtrace: ${key} `) || error.message.includes(`"${key}"`) }, error.message)
    .toEqual({ code: 'INVALID_OPTION', names: true })
}

describe('checkLokiOptions()', () => {
  it('resolves defaults: protobuf, the push path, no labels, structured metadata', () => {
    const resolved = checkLokiOptions({ endpoint: 'http://loki:3100' })
    expect({ ...resolved, headers: { ...resolved.headers } }).toEqual({
      url: 'http://loki:3100/loki/api/v1/push',
      protocol: 'protobuf',
      contentType: 'application/x-protobuf',
      headers: {},
      tenant: undefined,
      labels: [],
      fieldLabels: [],
      structuredMetadata: true,
    })
  })

  it('appends the push path only to a URL without a path', () => {
    const urls = ['http://loki:3100/', 'https://logs.example.com/loki/api/v1/push', 'http://gateway/tenant-a/push?x=1']
      .map((endpoint) => checkLokiOptions({ endpoint }).url)
    expect(urls).toEqual(['http://loki:3100/loki/api/v1/push', 'https://logs.example.com/loki/api/v1/push', 'http://gateway/tenant-a/push?x=1'])
  })

  it('resolves labels in name order, fieldLabels, the protocol and the content type', () => {
    const resolved = resolve({ labels: { region_set: 'eu', env: 'prod' }, fieldLabels: ['region'], protocol: 'json', structuredMetadata: false })
    expect({ labels: resolved.labels, fieldLabels: resolved.fieldLabels, protocol: resolved.protocol, contentType: resolved.contentType, structuredMetadata: resolved.structuredMetadata }).toEqual({
      labels: [{ name: 'env', value: 'prod' }, { name: 'region_set', value: 'eu' }],
      fieldLabels: ['region'],
      protocol: 'json',
      contentType: 'application/json',
      structuredMetadata: false,
    })
  })

  it('exposes the tenant as X-Scope-OrgID beside the configured headers', () => {
    const resolved = resolve({ tenant: 'team-a', headers: { Authorization: 'Basic dTpw' } })
    expect({ tenant: resolved.tenant, headers: { ...resolved.headers } }).toEqual({
      tenant: 'team-a',
      headers: { Authorization: 'Basic dTpw', 'X-Scope-OrgID': 'team-a' },
    })
  })

  it('rejects label names Loki refuses, naming export.loki.labels.<key>', () => {
    for (const name of ['my-env', '1st', '__internal', 'région', 'a.b', '']) {
      expectInvalid({ endpoint: 'http://loki', labels: { [name]: 'x' } }, `export.loki.labels.${name}`)
    }
  })

  it('rejects labels ringtrace sets, values that are not non-empty well-formed text, and too many names', () => {
    expectInvalid({ endpoint: 'http://loki', labels: { level: 'x' } }, 'export.loki.labels.level')
    expectInvalid({ endpoint: 'http://loki', labels: { env: '' } }, 'export.loki.labels.env')
    expectInvalid({ endpoint: 'http://loki', labels: { env: 3 } }, 'export.loki.labels.env')
    expectInvalid({ endpoint: 'http://loki', labels: { env: '\uD800' } }, 'export.loki.labels.env')
    expectInvalid({ endpoint: 'http://loki', labels: { env: 'x'.repeat(2049) } }, 'export.loki.labels.env')
    expectInvalid({ endpoint: 'http://loki', labels: ['env'] }, 'export.loki.labels')
    const twelve = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`l${i}`, 'v']))
    expect(resolve({ labels: twelve }).labels).toHaveLength(12)
    expectInvalid({ endpoint: 'http://loki', labels: twelve, fieldLabels: ['region'] }, 'export.loki.labels')
  })

  it('rejects fieldLabels that are not label names or name a label already set', () => {
    expectInvalid({ endpoint: 'http://loki', fieldLabels: 'region' }, 'export.loki.fieldLabels')
    expectInvalid({ endpoint: 'http://loki', fieldLabels: ['ok', 'http.method'] }, 'export.loki.fieldLabels[1]')
    expectInvalid({ endpoint: 'http://loki', fieldLabels: [7] }, 'export.loki.fieldLabels[0]')
    expectInvalid({ endpoint: 'http://loki', fieldLabels: ['event'] }, 'export.loki.fieldLabels[0]')
    expectInvalid({ endpoint: 'http://loki', labels: { env: 'prod' }, fieldLabels: ['env'] }, 'export.loki.fieldLabels[0]')
    expectInvalid({ endpoint: 'http://loki', fieldLabels: ['region', 'region'] }, 'export.loki.fieldLabels[1]')
  })

  it('rejects endpoints that are not http(s) URLs or that hold credentials', () => {
    for (const endpoint of [undefined, 3100, 'loki:3100/push', 'ftp://loki/', 'not a url', 'https://user:secret@logs.example.com']) {
      expectInvalid({ endpoint }, 'export.loki.endpoint')
    }
    expect(invalid({ endpoint: 'https://user:secret@logs.example.com' }).message).not.toContain('secret')
  })

  it('rejects bad tenants, bad headers, body headers and a tenant given twice', () => {
    for (const tenant of ['', '.', '..', 'a|b', 'a/b', 'x'.repeat(151), 5]) expectInvalid({ endpoint: 'http://loki', tenant }, 'export.loki.tenant')
    expectInvalid({ endpoint: 'http://loki', headers: { 'Bad Name': 'x' } }, 'export.loki.headers.Bad Name')
    expectInvalid({ endpoint: 'http://loki', headers: { 'X-Note': 'a\r\nInjected: 1' } }, 'export.loki.headers.X-Note')
    expectInvalid({ endpoint: 'http://loki', headers: { 'X-Note': 1 } }, 'export.loki.headers.X-Note')
    expectInvalid({ endpoint: 'http://loki', headers: { 'Content-Type': 'text/plain' } }, 'export.loki.headers.Content-Type')
    expectInvalid({ endpoint: 'http://loki', tenant: 'a', headers: { 'x-scope-orgid': 'b' } }, 'export.loki.headers.x-scope-orgid')
    expect({ ...resolve({ headers: { 'X-Scope-OrgID': 'from-headers' } }).headers }).toEqual({ 'X-Scope-OrgID': 'from-headers' })
  })

  it('rejects a non-object, an unknown protocol or key, and a non-boolean structuredMetadata', () => {
    expect(invalid('http://loki').message).toMatch(/^ringtrace: export\.loki must be an object/)
    expectInvalid({ endpoint: 'http://loki', protocol: 'grpc' }, 'export.loki.protocol')
    expectInvalid({ endpoint: 'http://loki', structuredMetadata: 'yes' }, 'export.loki.structuredMetadata')
    expect(invalid({ endpoint: 'http://loki', tenantId: 'a' }).message).toBe('ringtrace: unknown option "export.loki.tenantId"; did you mean export.loki.tenant?')
  })
})

describe('Loki labels', () => {
  it('maps severity numbers to the level names Grafana recognises', () => {
    const severities = [0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, -1, 9.5]
    expect(severities.map((s) => [s, lokiLevel(s)])).toEqual([
      [0, 'unknown'], [1, 'trace'], [4, 'trace'], [5, 'debug'], [8, 'debug'], [9, 'info'], [12, 'info'],
      [13, 'warning'], [16, 'warning'], [17, 'error'], [20, 'error'], [21, 'critical'], [24, 'critical'],
      [25, 'unknown'], [-1, 'unknown'], [9.5, 'unknown'],
    ])
  })

  it('quotes label values as Go reads them', () => {
    expect(labelText([{ name: 'a', value: 'x"y\\z\n' }, { name: 'b', value: '✓' }])).toBe('{a="x\\"y\\\\z\\n", b="✓"}')
  })

  it('keeps label sets right when many field values overflow the label cache', () => {
    const records = Array.from({ length: 6000 }, (_, i) => record(T0 + BigInt(i), { attributes: [attribute('user', 'u32', i % 5000)] }))
    const streams = new LokiStreams(resolve({ fieldLabels: ['user'] }), RESOURCE).batch(records).streams
    const users = streams.map((s) => s.labels.find((l) => l.name === 'user')?.value)
    const counts = streams.map((s) => s.entries.length)
    expect({ users, entries: counts.reduce((a, b) => a + b, 0), texts: new Set(streams.map((s) => s.labelText)).size }).toEqual({
      users: Array.from({ length: 5000 }, (_, i) => String(i)),
      entries: 6000,
      texts: 5000,
    })
  })

  it('uses unknown_service for a resource without service.name', () => {
    const streams = new LokiStreams(resolve(), { attributes: [] }).batch([record(T0)]).streams
    expect(streams.map((s) => s.labelText)).toEqual(['{event="http.request", level="info", service_name="unknown_service"}'])
  })
})

describe('Loki push', () => {
  let receiver: LokiReceiver

  beforeEach(async () => {
    receiver = await startLokiReceiver()
  })

  afterEach(async () => {
    await receiver.close()
  })

  function resolveFor(options: Partial<LokiOptions> = {}): ResolvedLoki {
    return checkLokiOptions({ endpoint: receiver.url, ...options })
  }

  async function push(resolved: ResolvedLoki, streams: readonly LokiStream[]): Promise<{ status: number; text: string }> {
    const response = await fetch(resolved.url, {
      method: 'POST',
      headers: { ...resolved.headers, 'Content-Type': resolved.contentType },
      body: encode(resolved, streams),
    })
    return { status: response.status, text: await response.text() }
  }

  /** Pushes one batch of `records` and returns what the receiver decoded of it. */
  async function roundTrip(resolved: ResolvedLoki, records: readonly ExportLog[], resource = RESOURCE): Promise<ReceivedStream[]> {
    const result = await push(resolved, new LokiStreams(resolved, resource).batch(records).streams)
    expect(result).toEqual({ status: 204, text: '' })
    return receiver.pushes.at(-1)!.streams
  }

  it('labels records with service_name, level, event and the configured labels; fields stay in the line', async () => {
    const resolved = resolveFor({ labels: { env: 'prod' } })
    const streams = await roundTrip(resolved, [
      record(T0, { attributes: [attribute('region', 'str', 'eu-west'), attribute('status', 'u16', 200)] }),
      record(T0 + 1n, { severityNumber: 17, severityText: 'ERROR', eventName: 'db.error', body: 'db.error' }),
    ])
    expect(streams).toEqual([
      {
        labels: { env: 'prod', event: 'http.request', level: 'info', service_name: 'checkout' },
        entries: [{ timeNs: T0, line: '{"msg":"http.request","region":"eu-west","status":200}', metadata: {} }],
      },
      {
        labels: { env: 'prod', event: 'db.error', level: 'error', service_name: 'checkout' },
        entries: [{ timeNs: T0 + 1n, line: '{"msg":"db.error"}', metadata: {} }],
      },
    ])
  })

  it('promotes only the fields named in fieldLabels, leaving them out of the line', async () => {
    const resolved = resolveFor({ fieldLabels: ['region'] })
    const streams = await roundTrip(resolved, [
      record(T0, { attributes: [attribute('region', 'str', 'eu-west'), attribute('user', 'str', 'u1')] }),
      record(T0 + 1n, { attributes: [attribute('user', 'str', 'u2')] }),
      record(T0 + 2n, { attributes: [attribute('region', 'u32', 7)] }),
    ])
    expect(streams.map((s) => ({ labels: s.labels, lines: s.entries.map((e) => e.line) }))).toEqual([
      { labels: { event: 'http.request', level: 'info', region: 'eu-west', service_name: 'checkout' }, lines: ['{"msg":"http.request","user":"u1"}'] },
      { labels: { event: 'http.request', level: 'info', service_name: 'checkout' }, lines: ['{"msg":"http.request","user":"u2"}'] },
      { labels: { event: 'http.request', level: 'info', region: '7', service_name: 'checkout' }, lines: ['{"msg":"http.request"}'] },
    ])
  })

  it('escapes quotes, backslashes, newlines, control characters and lone surrogates in label text', async () => {
    const tricky = 'a"b\\c\nd\te\u0001f\u007f ✓ 𝄞 "}, x="y'
    const streams = await roundTrip(resolveFor({ fieldLabels: ['tag'] }), [
      record(T0, { eventName: tricky, attributes: [attribute('tag', 'str', 'half \uD800 pair')] }),
    ])
    expect(streams.map((s) => s.labels)).toEqual([{ event: tricky, level: 'info', service_name: 'checkout', tag: 'half \uFFFD pair' }])
  })

  it('cuts label values to 2048 bytes of UTF-8 at a character boundary, and counts it', async () => {
    const resolved = resolveFor({ fieldLabels: ['tag'] })
    const streams = new LokiStreams(resolved, RESOURCE)
    const batch = streams.batch([record(T0, { eventName: 'é'.repeat(1500), attributes: [attribute('tag', 'str', `a${'😀'.repeat(600)}`)] })])
    expect(await push(resolved, batch.streams)).toEqual({ status: 204, text: '' })
    expect({ labels: receiver.pushes[0]!.streams[0]!.labels, stats: streams.stats() }).toEqual({
      labels: { event: 'é'.repeat(1024), level: 'info', service_name: 'checkout', tag: `a${'😀'.repeat(511)}` },
      stats: { reordered: 0, watermarksEvicted: 0, labelValuesTruncated: 2 },
    })
  })

  it('writes fields as compact JSON with typed values', async () => {
    const streams = await roundTrip(resolveFor(), [
      record(T0, {
        attributes: [
          attribute('count', 'i64', -(2n ** 63n)),
          attribute('bytes', 'u64', 2n ** 64n - 1n),
          attribute('ratio', 'f64', 0.25),
          attribute('bad', 'f64', Number.NaN),
          attribute('far', 'f32', Number.NEGATIVE_INFINITY),
          attribute('ok', 'bool', true),
          attribute('id', 'guid', '0f8fad5b-d9cb-469f-a165-70867728950e'),
          attribute('blob', 'binary', Uint8Array.of(0, 255, 16)),
          attribute('octets', 'u8[]', Uint8Array.of(1, 2)),
          attribute('deltas', 'i64[]', BigInt64Array.of(-1n, 5n)),
          attribute('text', 'str', 'two\nlines "quoted"'),
        ],
      }),
    ])
    const line = streams[0]!.entries[0]!.line
    expect(line).toBe('{"msg":"http.request","count":"-9223372036854775808","bytes":"18446744073709551615","ratio":0.25,' +
      '"bad":"NaN","far":"-Infinity","ok":true,"id":"0f8fad5b-d9cb-469f-a165-70867728950e","blob":"AP8Q",' +
      '"octets":[1,2],"deltas":["-1","5"],"text":"two\\nlines \\"quoted\\""}')
    expect(JSON.parse(line)).toMatchObject({ text: 'two\nlines "quoted"', blob: Buffer.of(0, 255, 16).toString('base64') })
  })

  it('renames fields that collide with the keys the line itself uses', async () => {
    const streams = await roundTrip(resolveFor({ structuredMetadata: false }), [
      record(T0, { attributes: [attribute('msg', 'str', 'm'), attribute('field_msg', 'str', 'f'), attribute('ts', 'u8', 1), attribute('span_id', 'str', 's')], spanId: SPAN_ID }),
    ])
    expect(streams[0]!.entries[0]!.line).toBe('{"msg":"http.request","span_id":"a0a1a2a3a4a5a6a7","field_field_msg":"m","field_msg":"f","field_ts":1,"field_span_id":"s"}')
  })

  it('sends trace_id and span_id as structured metadata, or in the line when structuredMetadata is false', async () => {
    const records = [record(T0, { traceId: TRACE_ID, spanId: SPAN_ID }), record(T0 + 1n)]
    const inMetadata = await roundTrip(resolveFor(), records)
    const inLine = await roundTrip(resolveFor({ structuredMetadata: false }), records.map((r) => ({ ...r, timeNs: r.timeNs + 10n })))
    expect([inMetadata[0]!.entries, inLine[0]!.entries]).toEqual([
      [
        { timeNs: T0, line: '{"msg":"http.request"}', metadata: { trace_id: '0102030405060708090a0b0c0d0e0f10', span_id: 'a0a1a2a3a4a5a6a7' } },
        { timeNs: T0 + 1n, line: '{"msg":"http.request"}', metadata: {} },
      ],
      [
        { timeNs: T0 + 10n, line: '{"msg":"http.request","trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"a0a1a2a3a4a5a6a7"}', metadata: {} },
        { timeNs: T0 + 11n, line: '{"msg":"http.request"}', metadata: {} },
      ],
    ])
  })

  it('keeps unicode in lines, labels and metadata intact in both protocols', async () => {
    const records = [record(T0, { eventName: 'заказ.создан', body: '注文 ✓ 𝄞 🎉', attributes: [attribute('note', 'str', 'ĉu vi? 😀\u2028end')] })]
    const expected = [{
      labels: { event: 'заказ.создан', level: 'info', service_name: 'checkout' },
      entries: [{ timeNs: T0, line: '{"msg":"注文 ✓ 𝄞 🎉","note":"ĉu vi? 😀\u2028end"}', metadata: {} }],
    }]
    expect(await roundTrip(resolveFor(), records)).toEqual(expected)
    expect(await roundTrip(resolveFor({ protocol: 'json' }), records.map((r) => ({ ...r, timeNs: T0 + 1n })))).toEqual([{ ...expected[0], entries: [{ ...expected[0]!.entries[0]!, timeNs: T0 + 1n }] }])
  })

  it('sorts each stream by time within a batch, so the receiver accepts it whole', async () => {
    const random = prng(0x10c1)
    const times = Array.from({ length: 200 }, () => T0 + BigInt(Math.floor(random() * 1e9)))
    const records = times.map((t, i) => record(t, { eventName: i % 2 === 0 ? 'even' : 'odd', attributes: [attribute('i', 'u32', i)] }))
    const streams = await roundTrip(resolveFor(), records)
    const sorted = (event: string) => records.filter((r) => r.eventName === event).map((r) => r.timeNs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    expect(streams.map((s) => ({ event: s.labels.event, times: s.entries.map((e) => e.timeNs) }))).toEqual([
      { event: 'even', times: sorted('even') },
      { event: 'odd', times: sorted('odd') },
    ])
    expect({ rejections: receiver.rejections, duplicates: receiver.duplicates }).toEqual({ rejections: [], duplicates: 0 })
  })

  it('keeps records of the same nanosecond in their order', async () => {
    const records = ['first', 'second', 'third'].map((name) => record(T0, { attributes: [attribute('name', 'str', name)] }))
    const streams = await roundTrip(resolveFor(), records)
    expect(streams[0]!.entries.map((e) => JSON.parse(e.line).name)).toEqual(['first', 'second', 'third'])
  })

  it('refuses an out-of-order stream in the test receiver, as Loki does', async () => {
    const resolved = resolveFor()
    const unsorted: LokiStream = {
      labelText: '{service_name="checkout"}',
      labels: [{ name: 'service_name', value: 'checkout' }],
      entries: [{ timeNs: T0 + 5n, line: 'later', metadata: [] }, { timeNs: T0, line: 'earlier', metadata: [] }],
    }
    const result = await push(resolved, [unsorted])
    expect({ status: result.status, outOfOrder: result.text.includes("'entry out of order'") }).toEqual({ status: 400, outOfOrder: true })
  })

  it('sends a late entry at its stream\'s watermark, keeps its real time in the line and counts it', async () => {
    const resolved = resolveFor()
    const streams = new LokiStreams(resolved, RESOURCE)
    const first = streams.batch([record(T0 + 100n), record(T0 + 200n)])
    const second = streams.batch([record(T0 + 250n), record(T0 + 150n), record(T0 + 200n)])
    expect([await push(resolved, first.streams), await push(resolved, second.streams)]).toEqual([{ status: 204, text: '' }, { status: 204, text: '' }])
    expect({ reordered: [first.reordered, second.reordered], stats: streams.stats(), entries: receiver.pushes[1]!.streams[0]!.entries }).toEqual({
      reordered: [0, 1],
      stats: { reordered: 1, watermarksEvicted: 0, labelValuesTruncated: 0 },
      entries: [
        { timeNs: T0 + 200n, line: `{"msg":"http.request","ts":"${rfc3339Nano(T0 + 150n)}"}`, metadata: {} },
        { timeNs: T0 + 200n, line: '{"msg":"http.request"}', metadata: {} },
        { timeNs: T0 + 250n, line: '{"msg":"http.request"}', metadata: {} },
      ],
    })
    // Without "ts" the late entry would equal the stream's last (same time, same line) and be dropped.
    expect({ rejections: receiver.rejections, duplicates: receiver.duplicates }).toEqual({ rejections: [], duplicates: 0 })
  })

  it('keeps a watermark per stream', async () => {
    const resolved = resolveFor()
    const streams = new LokiStreams(resolved, RESOURCE)
    streams.batch([record(T0 + 100n, { eventName: 'a' }), record(T0 + 10n, { eventName: 'b' })])
    const second = streams.batch([record(T0 + 50n, { eventName: 'a' }), record(T0 + 50n, { eventName: 'b' })])
    expect(second.streams.map((s) => [s.labels.find((l) => l.name === 'event')!.value, s.entries[0]!.timeNs])).toEqual([['a', T0 + 100n], ['b', T0 + 50n]])
    expect(second.reordered).toBe(1)
  })

  it('forgets the least recently sent stream\'s watermark beyond maxWatermarks', () => {
    const streams = new LokiStreams(resolve(), RESOURCE, 2)
    const at = (event: string, t: bigint) => record(T0 + t, { eventName: event })
    streams.batch([at('a', 100n)])
    streams.batch([at('b', 100n)])
    streams.batch([at('a', 200n)])
    streams.batch([at('c', 100n)])
    const late = streams.batch([at('a', 1n), at('b', 1n)])
    expect({ times: late.streams.map((s) => s.entries[0]!.timeNs - T0), reordered: late.reordered, stats: streams.stats() }).toEqual({
      times: [200n, 1n],
      reordered: 1,
      stats: { reordered: 1, watermarksEvicted: 2, labelValuesTruncated: 0 },
    })
  })

  it('splits times into floored seconds and nanoseconds, and writes RFC 3339 with nine digits', () => {
    expect([secondsAndNanos(T0 + 123n), secondsAndNanos(-1n), rfc3339Nano(T0 + 123n), rfc3339Nano(0n)]).toEqual([
      { seconds: 1_733_000_000n, nanos: 123 },
      { seconds: -1n, nanos: 999_999_999 },
      '2024-11-30T20:53:20.000000123Z',
      '1970-01-01T00:00:00.000000000Z',
    ])
  })

  it('compresses the protobuf body in the snappy block format, not the framed one', () => {
    const streams = new LokiStreams(resolve(), RESOURCE).batch([record(T0), record(T0 + 1n)]).streams
    const body = encodeLokiPush(streams)
    // Block format: the uncompressed length as a varint; a framed stream opens with chunk 0xff "sNaPpY".
    let length = 0
    let shift = 0
    let at = 0
    for (;;) {
      const byte = body[at++]!
      length += (byte & 0x7f) * 2 ** shift
      shift += 7
      if (byte < 0x80) break
    }
    expect({ framed: body[0] === 0xff, length }).toEqual({ framed: false, length: encodePushRequest(streams).length })
  })

  it('sends the tenant header and the content type of each protocol', async () => {
    const protobufStreams = await roundTrip(resolveFor({ tenant: 'team-a' }), [record(T0)])
    const jsonStreams = await roundTrip(resolveFor({ tenant: 'team-a', protocol: 'json' }), [record(T0 + 1n)])
    expect(receiver.pushes.map((p) => ({ contentType: p.contentType, tenant: p.tenant }))).toEqual([
      { contentType: 'application/x-protobuf', tenant: 'team-a' },
      { contentType: 'application/json', tenant: 'team-a' },
    ])
    expect([protobufStreams[0]!.entries[0]!.timeNs, jsonStreams[0]!.entries[0]!.timeNs]).toEqual([T0, T0 + 1n])
  })

  it('encodes a large batch of many streams to the same streams in both protocols', async () => {
    const random = prng(0xb16b)
    const events = ['http.request', 'db.query', 'cache.miss', 'queue.publish', 'auth.check']
    const records = Array.from({ length: 20_000 }, (_, i) => record(T0 + BigInt(Math.floor(random() * 60e9)), {
      eventName: events[i % events.length]!,
      body: events[i % events.length]!,
      severityNumber: [5, 9, 13, 17][Math.floor(random() * 4)]!,
      attributes: [attribute('i', 'u32', i), attribute('path', 'str', `/items/${Math.floor(random() * 1000)}/${'x'.repeat(Math.floor(random() * 200))}`)],
      traceId: i % 3 === 0 ? TRACE_ID : undefined,
      spanId: i % 3 === 0 ? SPAN_ID : undefined,
    }))
    const resolved = resolveFor()
    const batch = new LokiStreams(resolved, RESOURCE).batch(records)
    const protobufBody = encodeLokiPush(batch.streams)
    const fromProtobuf = decodePushBody(protobufBody, 'application/x-protobuf')
    const fromJson = decodePushBody(encodeLokiPushJson(batch.streams), 'application/json')
    expect(fromProtobuf).toEqual(fromJson)
    expect({
      streams: fromProtobuf.length,
      entries: fromProtobuf.reduce((n, s) => n + s.entries.length, 0),
      reordered: batch.reordered,
      overOneMiB: encodePushRequest(batch.streams).length > 1 << 20,
    }).toEqual({ streams: 20, entries: 20_000, reordered: 0, overOneMiB: true })
    expect(await push(resolved, batch.streams)).toEqual({ status: 204, text: '' })
    expect({ rejections: receiver.rejections, duplicates: receiver.duplicates }).toEqual({ rejections: [], duplicates: 0 })
  })
})
