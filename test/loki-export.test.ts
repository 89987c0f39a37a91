import { afterEach, describe, expect, it } from 'vitest'
import { createTracer, t } from '../src/index.js'
import { BACKENDS } from './helpers/backends.js'
import { startLokiReceiver, type LokiReceiver } from './helpers/loki-receiver.js'

// Live export to Loki end to end: a tracer's plain events pushed to the suite's Loki receiver,
// which decodes the push format on its own and refuses entries out of order as Loki does.

const receivers: LokiReceiver[] = []
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close()
})

async function loki(): Promise<LokiReceiver> {
  const r = await startLokiReceiver()
  receivers.push(r)
  return r
}

describe.each(BACKENDS)('live export to Loki (%s backend)', (backend) => {
  it.each(['protobuf', 'json'] as const)('pushes events as %s lines with their labels, in order per stream', async (protocol) => {
    const r = await loki()
    const tracer = createTracer({ provider: 'Test.Loki', backend, flushOnExit: false, export: {
      serviceName: 'checkout', loki: { endpoint: r.url, protocol, labels: { env: 'test' }, fieldLabels: ['region'], tenant: 'team-a' },
    } })
    const order = tracer.event('OrderPlaced', [['region', t.str], ['amount', t.f64], ['items', t.u32]], { level: 4 })
    const failed = tracer.event('PaymentFailed', [['code', t.u16]], { level: 2 })
    for (let i = 0; i < 300; i++) {
      order(i % 2 === 0 ? 'eu' : 'us', i * 1.5, i)
      if (i % 100 === 0) tracer.span('Pay', () => failed(402))
    }
    await tracer.close()
    expect(tracer.stats().exporters.loki).toMatchObject({ handedOver: 303, exported: 303, failed: 0, dropped: 0, pending: 0 })
    expect(r.rejections).toEqual([])
    const streams = new Map<string, { labels: Record<string, string>; lines: Record<string, unknown>[]; times: bigint[] }>()
    for (const push of r.pushes) {
      expect(push.tenant).toBe('team-a')
      for (const stream of push.streams) {
        const key = JSON.stringify(stream.labels)
        const entry = streams.get(key) ?? { labels: stream.labels, lines: [], times: [] }
        for (const e of stream.entries) {
          entry.lines.push(JSON.parse(e.line) as Record<string, unknown>)
          entry.times.push(e.timeNs)
        }
        streams.set(key, entry)
      }
    }
    expect([...streams.values()].map((s) => s.labels).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { env: 'test', event: 'OrderPlaced', level: 'info', region: 'eu', service_name: 'checkout' },
      { env: 'test', event: 'OrderPlaced', level: 'info', region: 'us', service_name: 'checkout' },
      { env: 'test', event: 'PaymentFailed', level: 'error', service_name: 'checkout' },
    ])
    for (const stream of streams.values()) {
      expect(stream.times).toEqual([...stream.times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
    }
    const eu = [...streams.values()].find((s) => s.labels.region === 'eu')!
    expect(eu.lines.slice(0, 2)).toEqual([{ msg: 'OrderPlaced', amount: 0, items: 0, 'thread.id': 0, 'thread.name': 'main' },
      { msg: 'OrderPlaced', amount: 3, items: 2, 'thread.id': 0, 'thread.name': 'main' }])
  })

  it('pushes a logger\'s lines with their message, level and objects as JSON inside the line', async () => {
    const r = await loki()
    const tracer = createTracer({ provider: 'Test.Loki', backend, flushOnExit: false, export: {
      serviceName: 'checkout', loki: { endpoint: r.url, protocol: 'json', structuredMetadata: false },
    } })
    const log = tracer.logger({ component: 'pay' })
    tracer.span('Pay', () => log.warn({ card: { brand: 'visa', last4: '4242' }, attempt: 2 }, 'card declined'))
    log.info({ blob: { text: 'x'.repeat(20_000) } }, 'too big to stay JSON')
    await tracer.close()
    expect(r.rejections).toEqual([])
    const entries = r.pushes.flatMap((push) => push.streams.flatMap((stream) => stream.entries.map((e) => ({ labels: stream.labels, line: JSON.parse(e.line) as Record<string, unknown> }))))
    const declined = entries.find((e) => e.line.msg === 'card declined')!
    expect(declined.labels).toMatchObject({ event: 'log', level: 'warning', service_name: 'checkout' })
    expect(declined.line).toMatchObject({ component: 'pay', card: { brand: 'visa', last4: '4242' }, attempt: 2, trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) })
    // Cut by the tracer, the JSON is no JSON: a string.
    expect(typeof entries.find((e) => e.line.msg === 'too big to stay JSON')!.line.blob).toBe('string')
  })
})
