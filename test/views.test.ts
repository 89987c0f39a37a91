import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { analyzeSpans, analyzeTraceFile } from '../src/analysis/index.js'
import { NOTES_PER_SPAN } from '../src/analysis/span-notes.js'
import { createTracer, t } from '../src/index.js'
import { BACKENDS } from './helpers/backends.js'
import { runCli } from '../src/cli/run.js'
import { ANSI_STYLE, htmlReport, summaryText, waterfallText, wantsColor } from '../src/views/index.js'
import { SpanScript, requestScript, spanId, writeSpanTrace } from './fixtures/span-traces.js'
import { Capture } from './helpers/capture.js'

/** The browser's, inside page.evaluate (tsconfig has no DOM lib). */
declare function getComputedStyle(element: unknown): { backgroundColor: string }

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-views-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const ARTIFACTS = join(__dirname, 'artifacts')
const CHROMIUM = '/usr/bin/chromium'
const ESC = '\x1b['

async function view(argv: string[], stdout = new Capture()): Promise<{ code: number; out: string; err: string }> {
  const stderr = new Capture()
  const code = await runCli(['view', ...argv], { stdout, stderr })
  return { code, out: stdout.text, err: stderr.text }
}

describe('terminal waterfall', () => {
  it('shows each span with its tree position, duration and a bar scaled to the root', async () => {
    const text = waterfallText(await analyzeSpans(requestScript().items()), { barWidth: 20 })
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^\* request\s+1\.00 ms {2}│█{20}│$/)
    expect(lines[1]).toMatch(/^\* ├─ auth\s+100 µs {2}│█{3} {17}│$/)
    expect(lines[3]).toMatch(/^ {2}├─ cache\s+70\.0 µs {2}│ {2}▒{2} {16}│$/)
    expect(lines[4]).toMatch(/^\* └─ render .*✗ TypeError: x is undefined$/)
    expect(text).toContain('1 of 1 root spans (the longest), 5 of 5 spans; * marks the critical path.')
    expect(text).not.toContain(ESC)
  })

  it('shows the log lines and correlated events traced in a span under it, the first few, then how many more', async () => {
    for (const backend of BACKENDS) {
      const file = join(dir, `notes-${backend}.rtrc`)
      const tracer = createTracer({ provider: 'Test.ViewNotes', backend, file, flushOnExit: false, correlate: true })
      const log = tracer.logger({ service: 'api' })
      const cacheMiss = tracer.event('CacheMiss', [['key', t.str]], { level: 3 })
      log.info('outside any span')
      await tracer.span('GET /users', async () => {
        log.info({ userId: 42 }, 'loading user')
        await tracer.span('db.query', async () => {
          cacheMiss('user:42')
          for (let i = 0; i < NOTES_PER_SPAN + 3; i++) log.debug({ i }, 'row')
          log.error('query failed')
        })
      })
      await tracer.close()
      const lines = waterfallText(await analyzeTraceFile(file).then((r) => r.analysis), { barWidth: 10 }).split('\n')
      const spanAt = (name: string) => lines.findIndex((line) => line.includes(name))
      expect(lines[spanAt('GET /users') + 1]).toMatch(/^ {2}· \+[\d.]+ [µm]?s INFO {2}loading user service="api" userId=42$/)
      const db = spanAt('db.query')
      expect(lines[db + 1]).toMatch(/^ {5}· \+[\d.]+ [µnm]?s WARN {2}CacheMiss key="user:42"$/)
      // debug lines are below the logger's default level: the first shown after CacheMiss is the error.
      expect(lines[db + 2]).toMatch(/^ {5}· \+[\d.]+ [µnm]?s ERROR query failed service="api"$/)
      expect(lines.join('\n')).not.toContain('outside any span')
      // The HTML report shows them under their span's row too, escaped, one level deeper.
      const html = htmlReport((await analyzeTraceFile(file)).analysis)
      expect(html).toMatch(/<div class="note-row" data-depth="1" [^>]*>· \+[\d.]+ [µm]?s INFO loading user service=&quot;api&quot; userId=42<\/div>/)
      expect(html).toMatch(/<div class="note-row error-note" data-depth="2" [^>]*>· \+[\d.]+ [µnm]?s ERROR query failed/)
      expect(html).not.toContain('outside any span')
    }
    const file = join(dir, 'notes-many.rtrc')
    const tracer = createTracer({ provider: 'Test.ViewNotes', backend: 'js', file, flushOnExit: false })
    const log = tracer.logger()
    tracer.span('busy', () => { for (let i = 0; i < NOTES_PER_SPAN + 3; i++) log.info({ i }, 'row') })
    await tracer.close()
    const text = waterfallText((await analyzeTraceFile(file)).analysis)
    expect(text.match(/· \+.* INFO {2}row i=\d+/g)).toHaveLength(NOTES_PER_SPAN)
    expect(text).toContain('· (+3 more lines and events)')
  })

  it('colours the critical path and errors only with the ANSI style', async () => {
    const analysis = await analyzeSpans(requestScript().items())
    const text = waterfallText(analysis, { style: ANSI_STYLE })
    expect(text).toContain(`${ESC}33m*${ESC}39m`)
    expect(text).toContain(`${ESC}31m✗ TypeError: x is undefined${ESC}39m`)
  })

  it('uses colour only on a TTY without NO_COLOR', () => {
    expect(wantsColor(new Capture({ isTTY: true }), {})).toBe(true)
    expect(wantsColor(new Capture({ isTTY: true }), { NO_COLOR: '1' })).toBe(false)
    expect(wantsColor(new Capture({ isTTY: true }), { NO_COLOR: '' })).toBe(true)
    expect(wantsColor(new Capture(), {})).toBe(false)
  })

  it('limits the roots, the depth and the rows, and says what it left out', async () => {
    const script = new SpanScript()
    for (let r = 0; r < 5; r++) {
      script.span('root', spanId(100 + r), r * 1000, r * 1000 + 100 * (r + 1))
        .span('child', spanId(200 + r), r * 1000 + 1, r * 1000 + 50, { parent: spanId(100 + r) })
    }
    const analysis = await analyzeSpans(script.items())
    const text = waterfallText(analysis, { roots: 2, depth: 0 })
    expect(text.match(/root/g)).toHaveLength(3) // two rows and the note
    expect(text).toContain('(+1 children)')
    expect(text).toContain('2 of 5 root spans (the longest), 2 of 10 spans')
  })

  it('prints statistics, bottlenecks, concurrency and problems in the summary', async () => {
    const analysis = await analyzeSpans(requestScript().start('hung', spanId(9), 5).items())
    const text = summaryText(analysis)
    expect(text).toMatch(/^render\s+1\s+240 µs\s+240 µs.*\s1\s+100\.0%$/m)
    expect(text).toMatch(/^query\s+580 µs\s+54\.2%/m)
    expect(text).toContain('at most 4 spans open at once')
    expect(text).toContain('1 spans without a Stop (shown ending at the end of the trace)')
  })
})

describe('ringtrace view', () => {
  it('prints the waterfall and the tables of a trace file, without colour when piped', async () => {
    const path = writeSpanTrace(dir, 'view.rtrc', requestScript().items())
    const { code, out, err } = await view([path])
    expect(err).toBe('')
    expect(code).toBe(0)
    expect(out).toMatch(/^\* request\s+1\.00 ms/)
    expect(out).toContain('operation  count')
    expect(out).not.toContain(ESC)
  })

  it('colours its output on a TTY', async () => {
    const path = writeSpanTrace(dir, 'tty.rtrc', requestScript().items())
    const saved = process.env.NO_COLOR
    delete process.env.NO_COLOR
    try {
      expect((await view([path], new Capture({ isTTY: true }))).out).toContain(ESC)
    } finally {
      if (saved !== undefined) process.env.NO_COLOR = saved
    }
  })

  it('analyses what precedes the damage of a truncated file and exits 1', async () => {
    const path = writeSpanTrace(dir, 'whole.rtrc', requestScript().items())
    const bytes = readFileSync(path)
    const cut = join(dir, 'cut.rtrc')
    writeFileSync(cut, bytes.subarray(0, bytes.length - 5))
    const { code, out, err } = await view([cut])
    expect(code).toBe(1)
    expect(err).toMatch(/truncated|TRUNCATED|damaged|bytes/i)
    expect(out).toContain('operation  count')
  })

  it('rejects a bad --depth as a usage error', async () => {
    const path = writeSpanTrace(dir, 'usage.rtrc', requestScript().items())
    const { code, err } = await view([path, '--depth', 'deep'])
    expect(code).toBe(2)
    expect(err).toContain("--depth expects a whole number, got 'deep'")
  })
})

describe('HTML report', () => {
  it('is one file with inline style and script and no external URL', async () => {
    const html = htmlReport(await analyzeSpans(requestScript().items()), { title: 'a <b> & c' })
    expect(html).toContain('<style>')
    expect(html).toContain('<script>')
    expect(html).not.toMatch(/https?:\/\//)
    expect(html).not.toMatch(/\s(src|href)=/)
    expect(html).toContain('ringtrace report: a &lt;b&gt; &amp; c')
  })

  it('escapes span names, which are text (GET /a?b=<c>&d)', async () => {
    const name = 'GET /a?b=<script>x</script>&d="e"'
    const html = htmlReport(await analyzeSpans(new SpanScript().span(name, spanId(1), 0, 1000, { status: 2, errorType: '<i>' }).items()))
    expect(html).not.toContain('<script>x</script>')
    expect(html).not.toContain('<i>')
    expect(html).toContain('GET /a?b=&lt;script&gt;x&lt;/script&gt;&amp;d=')
  })

  it('renders in headless Chromium with the waterfall, the critical path marked and the statistics', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is needed at ${CHROMIUM} for this test: apt-get install -y chromium`)
    }
    const trace = writeSpanTrace(dir, 'html.rtrc', requestScript().start('hung', spanId(9), 400_000, { parent: spanId(3) }).items())
    const report = join(dir, 'report.html')
    const { code } = await view([trace, '--html', report])
    expect(code).toBe(0)
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
      const requests: string[] = []
      page.on('request', (request) => requests.push(request.url()))
      await page.goto(`file://${report}`)
      expect(await page.locator('.span-row').count()).toBe(6)
      const critical = await page.locator('.span-row.critical .label').allTextContents()
      expect(critical.map((t) => t.replace(/✗.*/, ''))).toEqual(['request', 'auth', 'query', 'hung', 'render'])
      expect(await page.locator('.span-row.error').count()).toBe(1)
      expect(await page.locator('.span-row.unterminated').count()).toBe(1)
      // Critical bars in the critical colour (#d9480f), the cache bar (row 4) not.
      const colours = await page.locator('.span-row .bar').evaluateAll((bars) => bars.map((b) => getComputedStyle(b).backgroundColor))
      expect([colours[0], colours[1], colours[2], colours[5]]).toEqual(Array(4).fill('rgb(217, 72, 15)'))
      expect(colours[4]).not.toBe('rgb(217, 72, 15)')
      const rootBar = await page.locator('.span-row').first().locator('.bar').boundingBox()
      const track = await page.locator('.span-row').first().locator('.track').boundingBox()
      expect(rootBar!.width).toBeCloseTo(track!.width, 0)
      expect(await page.locator('#stats-table tbody tr').count()).toBe(6)
      expect(await page.locator('#stats-table tbody tr').first().locator('td').first().textContent()).toBe('request')
      expect(await page.locator('#critical-path-table tbody tr').count()).toBe(8)
      expect(await page.locator('#concurrency rect').count()).toBeGreaterThan(0)
      expect(await page.locator('#problems li').allTextContents()).toContain('1 spans without a Stop (shown ending at the end of the trace)')
      // Folding the root hides its five descendants.
      await page.locator('.span-row').first().click()
      expect(await page.locator('.span-row:visible').count()).toBe(1)
      await page.locator('.span-row').first().click()
      expect(await page.locator('.span-row:visible').count()).toBe(6)
      expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([])
      mkdirSync(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: join(ARTIFACTS, 'view-report.png'), fullPage: true })
    } finally {
      await browser.close()
    }
  })
})
