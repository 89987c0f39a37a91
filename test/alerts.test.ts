// Alert rules: the windows and the engine on synthetic events (event time is the clock, so the
// outcomes are exact), then end to end on both backends: a tracer's loggers and spans make the
// export worker fire, the rule's callback and the tracer's listeners run on the tracer's thread,
// a local webhook receiver gets one JSON POST per alert, and the trace holds `ringtrace.alert`
// lines. A webhook that is down costs retries and counted failures, never the app.

import { isMainThread } from 'node:worker_threads'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { createTracer, type Tracer, type TracerOptions } from '../src/index.js'
import { TracerError } from '../src/errors.js'
import type { Alert } from '../src/alerts/alert.js'
import { AlertEngine, SpanRecordRole } from '../src/alerts/alert-engine.js'
import { checkAlerts, type AlertRule } from '../src/alerts/alert-options.js'
import { CountWindow, PercentileWindow } from '../src/alerts/alert-windows.js'
import type { EventSchema } from '../src/reader/event-schema.js'
import type { FieldValue, TraceEvent } from '../src/reader/trace-items.js'
import { BACKENDS } from './helpers/backends.js'
import { startReceiver, type Receiver } from './helpers/http-receiver.js'
import { prng } from './helpers/seeded-random.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

describe('alert windows', () => {
  it('CountWindow holds at the (moreThan + 1)-th match within the window, then starts over', () => {
    const window = new CountWindow(2, 1000)
    expect([0, 10, 20].map((t) => window.add(t))).toEqual([false, false, true])
    // Three more, but spread wider than the window: no hold until three fit in 1000 ms.
    expect([30, 1100, 2200, 2300, 2400].map((t) => window.add(t))).toEqual([false, false, false, false, true])
  })

  it('PercentileWindow reports a percentile at most 2% above the exact one, over the last window only', () => {
    const random = prng(7)
    const window = new PercentileWindow(10_000)
    const values: number[] = []
    for (let i = 0; i < 5000; i++) {
      const value = Math.exp(random() * 8)
      values.push(value)
      window.add(20_000 + i, value)
    }
    values.sort((a, b) => a - b)
    for (const p of [50, 90, 99, 100]) {
      const exact = values[Math.ceil((p / 100) * values.length) - 1]!
      const { value, count } = window.percentile(p, 25_000)
      expect(count).toBe(5000)
      expect(value).toBeGreaterThanOrEqual(exact)
      expect(value).toBeLessThanOrEqual(exact * 1.02)
    }
    // 20 s later every slot has left the window.
    expect(window.percentile(99, 45_000)).toEqual({ value: 0, count: 0 })
  })
})

const schemaOf = (name: string, log?: number, level = 4): EventSchema => ({ name, log, level, fields: [] }) as unknown as EventSchema
const eventAt = (name: string, timeMs: number, fields: Record<string, FieldValue> = {}): TraceEvent =>
  ({ kind: 'event', name, time: timeMs, timestampNs: BigInt(Math.round(timeMs * 1e6)), fields }) as unknown as TraceEvent

function engineOf(rules: AlertRule[]): { engine: AlertEngine; alerts: Alert[]; suppressed: () => number } {
  const alerts: Alert[] = []
  let suppressed = 0
  const engine = new AlertEngine(checkAlerts({ rules })!.resolved.rules, (alert) => alerts.push(alert), () => { suppressed++ }, 16)
  return { engine, alerts, suppressed: () => suppressed }
}

describe('AlertEngine', () => {
  it('matches by name, level, component and field predicates; ringtrace\'s own events never match', () => {
    const { engine, alerts } = engineOf([{
      name: 'server errors', when: { event: 'log', level: 'error', component: 'api*', where: [['status', '>=', 500], ['route', 'contains', 'users']] },
      count: { moreThan: 0, withinMs: 1000 },
    }])
    const line = schemaOf('log', 50)
    const offer = (fields: Record<string, FieldValue>, schema = line, name = 'log') => engine.offer(eventAt(name, 100, fields), schema, SpanRecordRole.None)
    offer({ component: 'db', status: 500, route: '/users' })
    offer({ component: 'api', status: 404, route: '/users' })
    offer({ component: 'api', status: 503, route: '/orders' })
    offer({ component: 'api-v2', status: 503, route: '/users' }, schemaOf('log', 40))
    offer({ component: 'api-v2', status: 503n, route: '/users' }, schemaOf('ringtrace.alert', 50), 'ringtrace.alert')
    expect(alerts).toEqual([])
    offer({ component: 'api-v2', status: 503n, route: '/users/7' })
    expect(alerts).toMatchObject([{ rule: 'server errors', count: 1, value: 1, threshold: 0, severity: 'warning' }])
  })

  it('suppresses repeats for suppressMs (counting them), and escalation raises the severity through it', () => {
    const { engine, alerts, suppressed } = engineOf([{
      name: 'bursts', when: { event: 'Failure' }, count: { moreThan: 1, withinMs: 100 }, suppressMs: 1000,
      escalate: { after: 2, withinMs: 10_000 },
    }])
    const schema = schemaOf('Failure')
    // A hold every 20 ms (two matches each): holds 1, 2, 3, 4, 5 at 10, 30, 50, 70, 90 ms.
    for (let t = 0; t < 100; t += 10) engine.offer(eventAt('Failure', t), schema, SpanRecordRole.None)
    expect(alerts.map((a) => [a.severity, a.suppressed, a.escalated, a.timeMs])).toEqual([
      ['warning', 0, false, 10],
      // Hold 2 suppressed; hold 3 is the second step (after: 2): error, through the suppression.
      ['error', 1, true, 50],
      // Hold 4 suppressed, hold 5: critical.
      ['critical', 1, true, 90],
    ])
    expect(suppressed()).toBe(2)
    // Past the suppression and the escalation window: the rule's own severity again.
    engine.offer(eventAt('Failure', 20_000), schema, SpanRecordRole.None)
    engine.offer(eventAt('Failure', 20_001), schema, SpanRecordRole.None)
    expect(alerts.at(-1)).toMatchObject({ severity: 'warning', suppressed: 0, escalated: false })
  })

  it('pairs span Starts and Stops for a percentile of their duration, evaluated once per tenth of the window', () => {
    const { engine, alerts } = engineOf([{ name: 'slow', when: { span: 'GET /users' }, percentile: { p: 90, moreThan: 200, withinMs: 1000, minCount: 5 } }])
    const start = schemaOf('GET /users')
    let id = 0
    const span = (startMs: number, ms: number) => {
      const activityId = new Uint8Array(16)
      new DataView(activityId.buffer).setUint32(0, ++id)
      engine.offer(eventAt('GET /users', startMs, { activityId }), start, SpanRecordRole.Start)
      engine.offer(eventAt('GET /users', startMs + ms, { activityId }), start, SpanRecordRole.Stop)
    }
    for (let i = 0; i < 4; i++) span(i * 10, 500)
    engine.tick(1000)
    expect(alerts).toEqual([])
    span(50, 500)
    // Evaluated at most every 100 ms of wall time: not yet at 1050.
    engine.tick(1050)
    expect(alerts).toEqual([])
    engine.tick(1100)
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ rule: 'slow', count: 5 })
    expect(alerts[0]!.value).toBeGreaterThanOrEqual(500)
    expect(alerts[0]!.value).toBeLessThanOrEqual(510)
  })

  it('follows at most maxOpenSpans matching spans at a time, counting the others', () => {
    const { engine } = engineOf([{ name: 'slow', when: { span: 'Op' }, percentile: { p: 50, moreThan: 1, withinMs: 1000 } }])
    for (let i = 0; i < 20; i++) {
      const activityId = new Uint8Array(16)
      activityId[0] = i + 1
      engine.offer(eventAt('Op', i, { activityId }), schemaOf('Op'), SpanRecordRole.Start)
    }
    expect(engine.spansNotFollowed).toBe(4)
  })
})

const open: Tracer[] = []
const receivers: Receiver[] = []
afterEach(async () => {
  for (const tracer of open.splice(0)) await tracer.close()
  for (const receiver of receivers.splice(0)) await receiver.close()
})

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await sleep(10)
  }
}

describe.each(BACKENDS)('alerts end to end (%s backend)', (backend) => {
  it('fires on the live stream: callback and listener on the tracer\'s thread, a webhook POST, a ringtrace.alert line', async () => {
    const receiver = await startReceiver()
    receivers.push(receiver)
    const file = tracePath(`alerts-${backend}`)
    const ruleCalls: { alert: Alert; mainThread: boolean }[] = []
    const heard: Alert[] = []
    const options: TracerOptions = {
      provider: 'Test.Alerts', backend, file, flushOnExit: false,
      alerts: {
        webhook: { url: new URL('/hook', receiver.url), headers: { authorization: 'Bearer t0ken' } },
        rules: [
          { name: 'errors', when: { level: 'error' }, count: { moreThan: 5, withinMs: 10_000 }, onAlert: (alert) => ruleCalls.push({ alert, mainThread: isMainThread }) },
          { name: 'slow users', when: { span: 'GET /users' }, percentile: { p: 99, moreThan: 20, withinMs: 200 }, severity: 'error', webhook: false },
        ],
      },
    }
    const tracer = createTracer(options)
    open.push(tracer)
    tracer.onAlert((alert) => heard.push(alert))
    const log = tracer.logger({ component: 'api' })
    for (let i = 0; i < 5; i++) log.error({ i }, 'failed')
    log.warn('not an error')
    await sleep(100)
    expect(heard).toEqual([])
    log.error({ i: 5 }, 'failed')
    await tracer.span('GET /users', () => sleep(30))
    await waitFor(() => heard.length === 2 && receiver.received.length === 1)
    expect(ruleCalls).toMatchObject([{ alert: { rule: 'errors', severity: 'warning', count: 6, threshold: 5 }, mainThread: true }])
    expect(heard.map((a) => a.rule).sort()).toEqual(['errors', 'slow users'])
    const slow = heard.find((a) => a.rule === 'slow users')!
    expect(slow.value).toBeGreaterThanOrEqual(29)
    const [post] = receiver.received
    expect(post).toMatchObject({ method: 'POST', path: '/hook', headers: { 'content-type': 'application/json', authorization: 'Bearer t0ken' } })
    expect(JSON.parse(post!.body.toString())).toMatchObject({
      rule: 'errors', severity: 'warning', message: 'errors: 6 matches within 10000 ms (more than 5)', provider: 'Test.Alerts', pid: process.pid,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
    await tracer.close()
    expect(tracer.stats().alerts).toMatchObject({ fired: 2, suppressed: 0, callbackErrors: 0 })
    expect(tracer.stats().exporters['alert-webhook']).toMatchObject({ handedOver: 1, exported: 1, pending: 0 })
    const lines = (await readEvents(file)).filter((e) => e.name === 'ringtrace.alert')
    expect(lines.map((e) => [e.fields.rule, e.fields.severity, e.level])).toEqual(expect.arrayContaining([['errors', 'warning', 3], ['slow users', 'error', 2]]))
    expect(lines).toHaveLength(2)
  })

  it('counts a webhook that is down as retried and failed, and a throwing listener as a callback error', async () => {
    const receiver = await startReceiver({ respond: (res) => { res.statusCode = 503; res.end() } })
    receivers.push(receiver)
    const tracer = createTracer({
      provider: 'Test.AlertsDown', backend, flushOnExit: false, export: { closeTimeoutMs: 500 },
      alerts: { webhook: { url: receiver.url, timeoutMs: 200 }, rules: [{ name: 'any', when: { event: 'log' }, count: { moreThan: 0, withinMs: 1000 }, suppressMs: 0, record: false }] },
    })
    open.push(tracer)
    tracer.onAlert(() => { throw new Error('listener broke') })
    tracer.logger().info('one')
    await waitFor(() => tracer.stats().alerts.callbackErrors === 1)
    await waitFor(() => receiver.received.length >= 2)
    await tracer.close()
    const webhook = tracer.stats().exporters['alert-webhook']!
    expect(webhook.handedOver).toBe(1)
    expect(webhook.retried).toBeGreaterThanOrEqual(1)
    expect(webhook.exported).toBe(0)
    expect(webhook.failed + webhook.dropped).toBe(1)
    expect(webhook.lastError?.message).toMatch(/503|close deadline/)
    expect((tracer.stats().alerts.lastCallbackError as Error).message).toBe('listener broke')
  })
})

describe('alert options', () => {
  it('refuses bad rules with a TracerError naming the key', () => {
    const base = { name: 'r', when: { event: 'log' }, count: { moreThan: 1, withinMs: 1000 } }
    const bad: [unknown, RegExp][] = [
      [[], /alerts must be an object/],
      [{ rules: {} }, /alerts.rules must be an array of rules/],
      [{ rules: [{ ...base, nmae: 1 }] }, /unknown option "alerts.rules\[0\].nmae"/],
      [{ rules: [{ ...base, name: '' }] }, /alerts.rules\[0\].name must be a name/],
      [{ rules: [base, base] }, /alerts.rules\[1\].name "r" is already a rule's/],
      [{ rules: [{ ...base, count: undefined }] }, /alerts.rules\[0\] needs one of count/],
      [{ rules: [{ ...base, count: { moreThan: -1, withinMs: 1000 } }] }, /alerts.rules\[0\].count.moreThan must be an integer from 0/],
      [{ rules: [{ ...base, count: { moreThan: 1, withinMs: 0 } }] }, /alerts.rules\[0\].count.withinMs must be a number from 1/],
      [{ rules: [{ ...base, when: { event: 'log', where: [['status', '>>', 1]] } }] }, /alerts.rules\[0\].when.where\[0\]\[1\] must be one of '='/],
      [{ rules: [{ ...base, when: { event: 'log', where: [['status', '>', 'x']] } }] }, /when.where\[0\]\[2\] must be a number or bigint/],
      [{ rules: [{ ...base, when: { event: 'log', level: 'loud' } }] }, /alerts.rules\[0\].when.level must be one of/],
      [{ rules: [{ ...base, when: { span: 'x', level: 'error' } }] }, /when.level applies to events and lines, not spans/],
      [{ rules: [{ ...base, count: undefined, percentile: { p: 99, moreThan: 1, withinMs: 1000 } }] }, /percentile needs of: '<field>' unless the rule matches spans/],
      [{ rules: [{ ...base, count: undefined, percentile: { p: 0, of: 'ms', moreThan: 1, withinMs: 1000 } }] }, /percentile.p must be above 0/],
      [{ rules: [{ ...base, severity: 'fatal' }] }, /alerts.rules\[0\].severity must be one of 'info', 'warning', 'error', 'critical'/],
      [{ rules: [{ ...base, webhook: true }] }, /alerts.rules\[0\].webhook is true but alerts.webhook gives no URL/],
      [{ rules: [base], webhook: { url: 'ftp://x' } }, /alerts.webhook.url must be an http:\/\/ or https:\/\/ URL/],
      [{ rules: [base], webhook: { url: 'http://x', headers: { 'content-type': 'x' } } }, /alerts.webhook.headers key "content-type"/],
      [{ rules: [{ ...base, onAlert: 'x' }] }, /alerts.rules\[0\].onAlert must be a function/],
    ]
    for (const [alerts, message] of bad) {
      let error: unknown
      try {
        createTracer({ provider: 'P', backend: 'js', flushOnExit: false, alerts: alerts as never })
      } catch (caught) {
        error = caught
      }
      expect(error, String(message)).toBeInstanceOf(TracerError)
      expect((error as TracerError).message).toMatch(message)
    }
  })
})
