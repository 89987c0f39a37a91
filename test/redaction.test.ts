// Redaction: a value named by a `redact` path never reaches the ring, so no sink holds it. Each
// secret below is logged, traced as an event field, a span attribute, a builder field or a
// binding; afterwards the bytes of every sink (the trace file, the ETW capture, the OTLP and
// Loki requests, subscriber batches, the pino and NDJSON exports) are searched for it.

import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { createTracer, t } from '../src/index.js'
import type { TraceEvent } from '../src/reader/trace-items.js'
import { TracerError } from '../src/errors.js'
import { runCli } from '../src/cli/run.js'
import { BACKENDS } from './helpers/backends.js'
import { Capture } from './helpers/capture.js'
import { startReceiver, type Receiver } from './helpers/http-receiver.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const open: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close()
})

async function receiver(): Promise<Receiver> {
  const r = await startReceiver()
  open.push(() => r.close())
  return r
}

async function cliOutput(argv: string[]): Promise<string> {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await runCli(argv, { stdout, stderr })
  expect({ code, err: stderr.text }).toEqual({ code: 0, err: '' })
  return stdout.text
}

const SECRETS = {
  line: 'S3CRET-line-password',
  nested: 'S3CRET-nested-authorization',
  wildcard: 'S3CRET-wildcard-token',
  element: 'S3CRET-array-ssn',
  binding: 'S3CRET-binding',
  field: 'S3CRET-event-field',
  attribute: 'S3CRET-span-attribute',
  typedAttribute: 'S3CRET-typed-span',
  builder: 'S3CRET-builder',
  childPath: 'S3CRET-child-card',
  errorField: 'S3CRET-error-field',
}

describe.each(BACKENDS)('redaction (%s backend)', (backend) => {
  it('keeps every redacted value out of every sink, the censor in its place', async () => {
    const file = tracePath(`redact-${backend}`)
    const capture = tracePath(`redact-etw-${backend}`)
    const r = await receiver()
    const tracer = createTracer({
      provider: 'Test.Redact', backend, file, flushOnExit: false,
      ...(backend === 'native' ? { etw: { capture } } : {}),
      redact: ['password', 'req.headers.authorization', '*.token', 'users[*].ssn', 'err.secret'],
      export: {
        otlp: { endpoint: r.url.href },
        loki: { endpoint: r.url.href, protocol: 'json' },
        batchDelayMs: 10,
      },
    })
    open.push(() => tracer.close())
    const subscribed: TraceEvent[] = []
    tracer.subscribe({ spans: true }, (events) => subscribed.push(...events))

    const log = tracer.logger({ password: SECRETS.binding, service: 'api' })
    log.info({
      user: 'bob',
      password: SECRETS.line,
      req: { headers: { authorization: SECRETS.nested, host: 'example.com' } },
      session: { token: SECRETS.wildcard },
      users: [{ ssn: SECRETS.element, name: 'ann' }],
    }, 'signed in')
    log.error(Object.assign(new Error('failed'), { secret: SECRETS.errorField }))
    log.child({}, { redact: ['card'] }).warn({ card: SECRETS.childPath }, 'declined')
    tracer.event('Login', [['user', t.str], ['password', t.str]])('bob', SECRETS.field)
    tracer.span('Auth', () => undefined, { password: SECRETS.attribute, user: 'bob' })
    tracer.defineSpan('Check', [['password', t.str]]).run(() => undefined, SECRETS.typedAttribute)
    tracer.eventBuilder().reset('Built', 4, 0n).addStr('password', SECRETS.builder).addU32('n', 1).write()
    await tracer.close()

    const sinks: Record<string, string> = {
      'trace file': readFileSync(file).toString('latin1'),
      'OTLP and Loki requests': r.received.map((request) => request.body.toString('latin1')).join('\n'),
      subscribers: JSON.stringify(subscribed, (_, v) => typeof v === 'bigint' ? String(v) : v),
      'pino export': await cliOutput(['export', file, '--format', 'pino']),
      'NDJSON export': await cliOutput(['export', file, '--format', 'ndjson']),
    }
    if (backend === 'native') sinks['ETW capture'] = readFileSync(capture).toString('latin1')
    const leaks = Object.entries(sinks).flatMap(([sink, bytes]) =>
      Object.values(SECRETS).filter((secret) => bytes.includes(secret)).map((secret) => `${secret} in ${sink}`))
    expect(leaks).toEqual([])
    // Something was sent at all: the searches above looked at real data.
    expect(r.received.map((request) => request.path).sort()).toEqual(expect.arrayContaining(['/loki/api/v1/push', '/v1/logs', '/v1/traces']))
    expect(subscribed.length).toBeGreaterThan(5)

    const events = await readEvents(file)
    const line = events.find((e) => e.fields.msg === 'signed in')!
    expect(line.fields).toMatchObject({ password: '[Redacted]', service: 'api', user: 'bob' })
    expect(JSON.parse(line.fields.req as string)).toEqual({ headers: { authorization: '[Redacted]', host: 'example.com' } })
    expect(JSON.parse(line.fields.session as string)).toEqual({ token: '[Redacted]' })
    expect(JSON.parse(line.fields.users as string)).toEqual([{ ssn: '[Redacted]', name: 'ann' }])
    expect(JSON.parse(events.find((e) => e.fields.msg === 'failed')!.fields.err as string)).toMatchObject({ message: 'failed', secret: '[Redacted]' })
    expect(events.find((e) => e.fields.msg === 'declined')!.fields.card).toBe('[Redacted]')
    expect(events.find((e) => e.name === 'Login')!.fields).toEqual({ user: 'bob', password: '[Redacted]' })
    expect(events.find((e) => e.name === 'Auth' && e.opcode === 1)!.fields).toMatchObject({ password: '[Redacted]', user: 'bob' })
    expect(events.find((e) => e.name === 'Check' && e.opcode === 1)!.fields).toMatchObject({ password: '[Redacted]' })
    expect(events.find((e) => e.name === 'Built')!.fields).toEqual({ password: '[Redacted]', n: 1 })
  })

  it('writes the censor it is given, marks redacted fields in the SCHEMA, and never reads a redacted getter', async () => {
    const file = tracePath(`redact-censor-${backend}`)
    const tracer = createTracer({ provider: 'Test.Redact', backend, file, flushOnExit: false, redact: { paths: ['pin', 'a.b'], censor: '***' } })
    open.push(() => tracer.close())
    let reads = 0
    const nested = { b: 0, c: 1 }
    Object.defineProperty(nested, 'b', { enumerable: true, get: () => { reads++; return 'x' } })
    tracer.logger().info({ pin: 1234, a: nested })
    await tracer.close()
    const [line] = await readEvents(file)
    expect(line!.fields).toEqual({ msg: '', pin: '***', a: '{"b":"***","c":1}' })
    expect(reads).toBe(0)
    expect(readFileSync(file).toString('latin1')).toContain('{"name":"pin","type":"str","redacted":true}')
  })

  it('refuses bad paths and options with a TracerError that names them', () => {
    const bad: [unknown, RegExp][] = [
      [['a..b'], /redact: path "a\.\.b" has an empty segment/],
      [['a.'], /path "a\." ends with a dot/],
      [['a[b'], /has a \[ without its \]/],
      [['a[b]'], /has \[b\]: brackets hold a quoted key, an index or \*/],
      [[''], /must be a non-empty string/],
      [[42], /must be a non-empty string/],
      ['password', /redact must be an array of paths or \{ paths, censor \}/],
      [{ paths: ['a'], censor: 3 }, /redact\.censor must be a string/],
      [{ paths: 'a' }, /redact\.paths must be an array/],
      [{ paths: ['a'], mask: 'x' }, /unknown option "redact\.mask"/],
    ]
    for (const [redact, message] of bad) {
      expect(() => createTracer({ provider: 'Test.Redact', backend, flushOnExit: false, redact: redact as never }), String(redact)).toThrow(message)
    }
    const tracer = createTracer({ provider: 'Test.Redact', backend, flushOnExit: false })
    open.push(() => tracer.close())
    expect(() => tracer.logger({}, { redact: ['x]'] })).toThrow(TracerError)
    expect(() => tracer.logger().child({}, { redact: 5 as never })).toThrow(TracerError)
  })
})
