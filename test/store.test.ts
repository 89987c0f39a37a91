// The event store (ringtrace/store) against real node:sqlite: traces made by both backends are
// ingested (again, copied, after a cut-short ingest) and queried through the builders and the
// CLI. On a Node without node:sqlite (Node 20: CI runs this file on 22, 24 and 26 too), the one
// thing to check is the error that names the Node needed.

import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTracer, Level, t, withCorrelation } from '../src/index.js'
import { TracerError } from '../src/errors.js'
import { runCli } from '../src/cli/run.js'
import { openStore, type Store } from '../src/store/index.js'
import { BACKENDS } from './helpers/backends.js'
import { Capture } from './helpers/capture.js'

const hasSqlite = ((): boolean => {
  try {
    require('node:sqlite')
    return true
  } catch {
    return false
  }
})()

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Lines, events and spans with known counts; returns the trace id of the failing request. */
async function writeTrace(file: string, backend: (typeof BACKENDS)[number]): Promise<{ traceId: string; requestStarted: number }> {
  const tracer = createTracer({ provider: 'Test.Store', backend, file, flushOnExit: false, correlate: true })
  const log = tracer.logger({ component: 'api' })
  const cacheMiss = tracer.event('CacheMiss', [['key', t.str], ['size', t.u64]], { level: Level.Warning, keyword: 0x2n })
  for (let i = 0; i < 50; i++) log.info({ status: 200 + i * 10, route: i % 2 === 0 ? '/users' : '/orders' }, 'request done')
  let traceId = ''
  // Lines take the coarse clock (a millisecond's resolution): the request starts well after them.
  await new Promise((resolve) => setTimeout(resolve, 20))
  const requestStarted = Date.now()
  await tracer.span('GET /users', async () => {
    const span = tracer.startSpan('db.query', { table: 'users' })
    traceId = span.traceId
    await new Promise((resolve) => setTimeout(resolve, 25))
    span.fail(new RangeError('timeout talking to db'))
    cacheMiss('user:42', 2n ** 60n)
    log.error({ status: 503 }, 'request failed: db timeout')
  }, { 'http.route': '/users' })
  withCorrelation('job-7', () => log.warn({ attempt: 2 }, 'retrying'))
  for (let i = 0; i < 10; i++) tracer.span('GET /users', () => i, { 'http.route': '/users' })
  await tracer.close()
  return { traceId, requestStarted }
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await runCli(argv, { stdout, stderr })
  return { code, out: stdout.text, err: stderr.text }
}

if (!hasSqlite) {
  describe('the store on a Node without node:sqlite', () => {
    it('says which Node it needs, as a TracerError', async () => {
      const error = await openStore(join(dir, 'x.db')).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TracerError)
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/needs node:sqlite, which Node has without a flag from 22\.13 .*this is Node v/) })
      const { code, err } = await cli(['ingest', 'whatever.rtrc', '--db', join(dir, 'x.db')])
      expect(code).toBe(1)
      expect(err).toMatch(/needs node:sqlite/)
    })
  })
} else {
  describe.each(BACKENDS)('event store (%s backend)', (backend) => {
    let store: Store
    let traceId: string
    let started: number
    afterAll(() => store?.close())

    it('ingests a trace once: again, or a copy elsewhere, adds nothing', async () => {
      const file = join(dir, `trace-${backend}.rtrc`)
      ;({ traceId, requestStarted: started } = await writeTrace(file, backend))
      store = await openStore(join(dir, `store-${backend}.db`))
      const [first] = await store.ingest(file)
      // 50 + 1 + 1 lines and one event; 12 spans.
      expect(first).toMatchObject({ events: 53, spans: 12, added: 65, damage: undefined })
      const copy = join(dir, `copy-${backend}.rtrc`)
      copyFileSync(file, copy)
      const again = await store.ingest([file, copy])
      expect(again.map((r) => [r.added, r.fileId])).toEqual([[0, first!.fileId], [0, first!.fileId]])
      expect(store.stats()).toMatchObject({ files: 1, events: 53, spans: 12, lost: 0, schemaVersion: 1, byEvent: [{ name: 'log', count: 52 }, { name: 'CacheMiss', count: 1 }] })
    })

    it('queries events by name, severity, keyword, time, trace (hex or GUID), correlation, text and fields', () => {
      const q = () => store.query()
      expect(q().count()).toBe(53)
      expect(q().event('CacheMiss').all()).toMatchObject([{ name: 'CacheMiss', level: 3, keyword: 2n, fields: { key: 'user:42', size: String(2n ** 60n) }, traceId }])
      expect(q().level('>=', Level.Warning).all().map((e) => e.message ?? e.name)).toEqual(['CacheMiss', 'request failed: db timeout', 'retrying'])
      expect(q().level('>=', Level.Error).count()).toBe(1)
      expect(q().keyword(0x2n).count()).toBe(1)
      expect(q().timeRange({ since: '1h' }).count()).toBe(53)
      expect(q().timeRange({ from: started }).count()).toBe(3)
      expect(q().timeRange({ to: new Date(started - 1) }).count()).toBe(50)
      expect(q().trace(traceId).count()).toBe(2)
      const guid = traceId.replace(/^(..)(..)(..)(..)(..)(..)(..)(..)(....)(.{12})$/, '$4$3$2$1-$6$5-$8$7-$9-$10')
      expect(q().trace(guid).count()).toBe(2)
      expect(q().correlation('job-7').all()).toMatchObject([{ message: 'retrying', correlationId: 'job-7', fields: { attempt: 2 } }])
      expect(q().search('timeout').all().map((e) => e.message)).toEqual(['request failed: db timeout'])
      expect(q().search('100%_').count()).toBe(0)
      expect(q().where('status', '>=', 600).count()).toBe(10)
      expect(q().where('status', '>=', 500).where('route', '=', '/users').count()).toBe(10)
      expect(q().where('route', 'contains', 'ord').count()).toBe(25)
      expect(q().where('size', '>', 2n ** 59n).count()).toBe(1)
      expect(q().event('log').orderBy('time', 'desc').limit(2).all().map((e) => e.message)).toEqual(['retrying', 'request failed: db timeout'])
      // `file` is the path the trace was last ingested from: the copy.
      expect(q().event('log').first()).toMatchObject({ message: 'request done', fields: { status: 200 }, file: join(dir, `copy-${backend}.rtrc`), thread: 'main' })
      expect(q().event('log').groupBy('name').aggregate({ n: ['status', 'count'], p50: ['status', 'p50'], max: ['status', 'max'] }))
        .toEqual([{ name: 'log', n: 51, p50: 450, max: 690 }])
    })

    it('queries spans by name, duration, status and trace, with percentiles per name', () => {
      expect(store.spans().name('GET /users').count()).toBe(11)
      expect(store.spans().slowerThan('20ms').all().map((s) => s.name).sort()).toEqual(['GET /users', 'db.query'])
      const [failed] = store.spans().status('error').all()
      expect(failed).toMatchObject({ name: 'db.query', traceId, errorType: 'RangeError', errorMessage: 'timeout talking to db', attributes: { table: 'users' } })
      const [parent] = store.spans().trace(traceId).name('GET /users').all()
      expect(failed!.parentSpanId).toBe(parent!.spanId)
      expect(store.spans().where('http.route', '=', '/users').count()).toBe(11)
      const [stats] = store.spans().name('GET /users').groupBy('name').aggregate({ p99: ['duration', 'p99'], n: ['duration', 'count'] })
      expect(stats).toMatchObject({ name: 'GET /users', n: 11 })
      expect(stats!.p99 as number).toBeGreaterThanOrEqual(20)
    })

    it('runs read-only SQL with bound parameters, and refuses writes', () => {
      expect(store.sql('SELECT count(*) AS n FROM events WHERE name = ?', ['CacheMiss'])).toEqual([expect.objectContaining({ n: 1n })])
      expect(store.sql('SELECT count(*) AS n FROM events WHERE name = ?', ["log' OR '1'='1"])).toEqual([expect.objectContaining({ n: 0n })])
      expect(() => store.sql('DELETE FROM events')).toThrow(/sql\(\): attempt to write a readonly database/)
      expect(store.query().event("log'; DROP TABLE events; --").count()).toBe(0)
      expect(store.query().count()).toBe(53)
    })
  })

  describe('event store', () => {
    it('finishes an ingest that was cut short: rows committed before are not added twice', async () => {
      const file = join(dir, 'resume.rtrc')
      const tracer = createTracer({ provider: 'Test.StoreResume', backend: 'js', file, flushOnExit: false })
      const log = tracer.logger()
      for (let i = 0; i < 5000; i++) {
        log.info({ i }, 'line')
        if (i % 250 === 0) tracer.flush()
      }
      await tracer.close()
      const cut = join(dir, 'resume-cut.rtrc')
      const bytes = readFileSync(file)
      writeFileSync(cut, bytes)
      truncateSync(cut, Math.floor(bytes.length * 0.6))
      const store = await openStore(join(dir, 'resume.db'))
      const [partial] = await store.ingest(cut)
      expect(partial!.damage).toMatch(/file ends inside the chunk/)
      expect(partial!.added).toBeGreaterThan(1000)
      expect(partial!.added).toBeLessThan(5000)
      const [rest] = await store.ingest(file)
      expect(rest!.fileId).toBe(partial!.fileId)
      expect(partial!.added + rest!.added).toBe(5000)
      expect(store.stats()).toMatchObject({ files: 1, events: 5000 })
      expect(store.query().where('i', '=', 4999).count()).toBe(1)
      store.close()
    })

    it('refuses bad queries and what is not a store, naming the problem', async () => {
      const store = await openStore(':memory:')
      expect(() => store.query().where('status', '>>' as never, 1)).toThrow(/where\(\) operator must be one of/)
      expect(() => store.query().where('a"b', '=', 1)).toThrow(/where\(\) field must be a field name/)
      expect(() => store.query().where('status', '>', 'high')).toThrow(/where\(\) value must be a number/)
      expect(() => store.query().trace('nope')).toThrow(/trace\(\) must be a trace id \(32 hex digits, or a GUID\), got "nope"/)
      expect(() => store.query().timeRange({ since: 'yesterday' })).toThrow(/timeRange\(\).since must be a duration/)
      expect(() => store.spans().slowerThan('fast')).toThrow(TracerError)
      expect(() => store.query().groupBy('name').aggregate({ x: ['ms', 'p42' as never] })).toThrow(/fn one of count/)
      await expect(store.ingest(join(dir, 'missing.rtrc'))).rejects.toThrow(/ENOENT/)
      store.close()
      expect(() => store.query()).toThrow(/is closed/)
      const notDb = join(dir, 'not-a-db.db')
      writeFileSync(notDb, 'hello, this is text and no SQLite database at all'.repeat(20))
      await expect(openStore(notDb)).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/not-a-db\.db is not a ringtrace store/) })
      const garbage = join(dir, 'garbage.rtrc')
      writeFileSync(garbage, 'this is not a ringtrace file, only text '.repeat(10))
      const other = await openStore(':memory:')
      await expect(other.ingest(garbage)).rejects.toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/garbage\.rtrc cannot be ingested: not a ringtrace file/) })
      other.close()
    })

    it('ingests and queries from the command line, a trace file directly too', async () => {
      const file = join(dir, 'cli.rtrc')
      await writeTrace(file, 'js')
      const db = join(dir, 'cli.db')
      const ingested = await cli(['ingest', file, '--db', db])
      expect(ingested).toMatchObject({ code: 0, out: `${file}: 53 events, 12 spans, 65 new rows in ${ingested.out.match(/in (\d+) ms/)![1]} ms\n` })
      const json = await cli(['query', db, '--where', 'status>=600', '--where', 'route=/users', '--json'])
      expect(json.code).toBe(0)
      expect((JSON.parse(json.out) as { fields: { status: number } }[]).map((r) => r.fields.status)).toEqual([600, 620, 640, 660, 680])
      const direct = await cli(['query', file, '--level', 'error'])
      expect(direct).toMatchObject({ code: 0 })
      expect(direct.out).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z ERROR log: request failed: db timeout component="api" status=503 trace=[0-9a-f]{32}\n$/)
      expect(readFileSync(`${file}.db`).subarray(0, 15).toString()).toBe('SQLite format 3')
      expect(await cli(['query', db, '--where', 'status>>1'])).toMatchObject({ code: 2, err: expect.stringMatching(/where\(\) value must be a number/) })
      expect(await cli(['ingest', file])).toMatchObject({ code: 2, err: expect.stringMatching(/--db <path> is required/) })
    })
  })
}
