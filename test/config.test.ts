// Profiles, the config file and the environment beneath createTracer's options: what each
// layer sets, which wins, and errors that name the file and key, the variable or the option.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { resolveTracerOptions } from '../src/config/resolve-options.js'
import { PRODUCTION_REDACT } from '../src/config/profiles.js'
import { createTracer } from '../src/index.js'
import { TracerError } from '../src/errors.js'
import { runChild } from './helpers/child-process.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

const dir = mkdtempSync(join(tmpdir(), 'ringtrace-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let count = 0

/** A config file of `content` (an object as JSON, or module text); its path. */
function configFile(content: unknown, extension = 'json'): string {
  const path = join(dir, `c${count++}.config.${extension}`)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

const resolveWith = (code: Record<string, unknown>, env: Record<string, string>) =>
  resolveTracerOptions({ provider: 'Test.Config', ...code } as never, env) as unknown as Record<string, unknown>

function errorOf(run: () => unknown): { code: string; message: string } {
  try {
    run()
  } catch (error) {
    if (!(error instanceof TracerError)) throw error
    return { code: error.code, message: error.message }
  }
  throw new Error('expected a TracerError')
}

describe('profiles, the config file and the environment', () => {
  it('leaves the code\'s options as they are without a profile, a file or a variable', () => {
    const code = { provider: 'Test.Config', level: 3 }
    expect(resolveTracerOptions(code, {})).toBe(code)
  })

  it('gives each profile its documented defaults', () => {
    expect(resolveWith({ profile: 'production' }, {})).toMatchObject({ level: 4, log: { level: 'info', sample: { trace: 0, debug: 0 } }, redact: PRODUCTION_REDACT })
    expect(resolveWith({ profile: 'development' }, {})).toMatchObject({ level: 5, log: { level: 'debug' }, console: true })
    expect(resolveWith({ profile: 'development' }, { RINGTRACE_CONSOLE: '0' })).toMatchObject({ console: false })
    expect(resolveWith({ profile: 'production' }, { RINGTRACE_CONSOLE: 'true' })).toMatchObject({ console: true })
    expect(resolveWith({ profile: 'production' }, {}).console).toBeUndefined()
    expect(resolveWith({ profile: 'staging' }, {})).toMatchObject({ log: { level: 'info', sample: { trace: 0, debug: 0.1 } } })
    expect(resolveWith({}, { RINGTRACE_PROFILE: 'test' })).toMatchObject({ level: 5, log: { level: 'warn' } })
  })

  it('layers profile < file < the file\'s profile section < environment < code, log one level deeper', () => {
    const path = configFile({
      profile: 'production',
      maxStringBytes: 512,
      log: { level: 'warn', rateLimit: { perSecond: 50 } },
      profiles: { production: { maxStringBytes: 256, log: { components: { exclude: ['noisy'] } } }, test: { maxStringBytes: 1 } },
    })
    expect(resolveWith({ log: { sample: { debug: 1 } } }, { RINGTRACE_CONFIG: path, RINGTRACE_LOG_LEVEL: 'error' })).toEqual({
      provider: 'Test.Config',
      level: 4,
      redact: PRODUCTION_REDACT,
      maxStringBytes: 256,
      log: { level: 'error', sample: { debug: 1 }, rateLimit: { perSecond: 50 }, components: { exclude: ['noisy'] } },
    })
    // The code's profile wins over the file's: its section applies, production's does not.
    expect(resolveWith({ profile: 'test' }, { RINGTRACE_CONFIG: path })).toMatchObject({ maxStringBytes: 1, level: 5, log: { level: 'warn' } })
    expect(resolveWith({ level: 2 }, { RINGTRACE_CONFIG: path, RINGTRACE_LEVEL: '3' })).toMatchObject({ level: 2 })
    expect(resolveWith({}, { RINGTRACE_CONFIG: path, RINGTRACE_LEVEL: '3' })).toMatchObject({ level: 3 })
  })

  it('loads a CommonJS and an ES module config file by their default export', () => {
    const cjs = configFile('module.exports = { maxStringBytes: 100 }', 'cjs')
    const mjs = configFile('export default { maxStringBytes: 200, profile: "staging" }', 'mjs')
    expect(resolveWith({}, { RINGTRACE_CONFIG: cjs })).toMatchObject({ maxStringBytes: 100 })
    expect(resolveWith({}, { RINGTRACE_CONFIG: mjs })).toMatchObject({ maxStringBytes: 200, log: { level: 'info' } })
  })

  it('names the file and the key of a bad config, and the variable or option of a bad value', () => {
    const bad = (content: unknown, extension?: string) => errorOf(() => resolveWith({}, { RINGTRACE_CONFIG: configFile(content, extension) }))
    expect(bad('{ "level": ')).toEqual({ code: 'INVALID_OPTION', message: expect.stringMatching(/^ringtrace: \/.*\.json: is not valid JSON: /) })
    expect(bad({ log: { level: 'loud' } }).message).toMatch(/^ringtrace: \/.*\.json: log\.level must be one of 'trace'/)
    expect(bad({ ringbytes: 4096 }).message).toMatch(/\.json: unknown option "ringbytes"; did you mean ringBytes\?/)
    expect(bad({ level: 9 }).message).toMatch(/\.json: level must be an integer level from 0/)
    expect(bad({ profile: 'prod' }).message).toMatch(/\.json: profile must be one of 'development', 'staging', 'production', 'test', got "prod"/)
    expect(bad({ profiles: { prod: {} } }).message).toMatch(/\.json: profiles key must be one of/)
    expect(bad({ profiles: { test: { onFull: 'wrap' } } }).message).toMatch(/\.json: profiles\.test: onFull must be/)
    expect(bad([1, 2]).message).toMatch(/must hold an object of createTracer options/)
    expect(bad('module.exports = 5', 'cjs').message).toMatch(/\.cjs: must hold an object of createTracer options, got 5/)
    expect(bad('throw new Error("boom")', 'cjs').message).toMatch(/\.cjs: cannot be loaded: boom/)
    expect(errorOf(() => resolveWith({}, { RINGTRACE_CONFIG: join(dir, 'missing.json') })).message).toMatch(/missing\.json: does not exist \(RINGTRACE_CONFIG names it\)/)
    expect(errorOf(() => resolveWith({}, { RINGTRACE_PROFILE: 'prod' })).message).toMatch(/^ringtrace: RINGTRACE_PROFILE must be one of/)
    expect(errorOf(() => resolveWith({}, { RINGTRACE_LEVEL: 'high' })).message).toMatch(/^ringtrace: RINGTRACE_LEVEL must be a level from 0 to 5/)
    expect(errorOf(() => resolveWith({}, { RINGTRACE_LOG_LEVEL: 'loud' })).message).toMatch(/^ringtrace: RINGTRACE_LOG_LEVEL must be one of/)
    expect(errorOf(() => resolveWith({}, { RINGTRACE_CONSOLE: 'on' })).message).toMatch(/^ringtrace: RINGTRACE_CONSOLE must be 1, true, 0 or false, got "on"/)
    expect(bad({ alerts: { rules: [{ name: 'x', when: { event: 'log' }, count: { moreThan: 1, withinMs: 0 } }] } }).message)
      .toMatch(/\.json: alerts\.rules\[0\]\.count\.withinMs must be a number from 1/)
    expect(bad({ console: { stream: 'tty' } }).message).toMatch(/\.json: console\.stream must be 'stdout' or 'stderr'/)
    expect(errorOf(() => resolveWith({ profile: 'prod' }, {})).message).toMatch(/^ringtrace: profile must be one of/)
  })

  it('applies ringtrace.config.json of the working directory and RINGTRACE_PROFILE to an unmodified app', async () => {
    const app = mkdtempSync(join(dir, 'app-'))
    writeFileSync(join(app, 'ringtrace.config.json'), JSON.stringify({ redact: ['card'], profiles: { production: { log: { level: 'warn' } } } }))
    const file = tracePath('config-app')
    const script = `
      const { createTracer } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))})
      const tracer = createTracer({ provider: 'Test.ConfigApp', file: ${JSON.stringify(file)}, flushOnExit: false })
      const log = tracer.logger()
      log.info('info line')
      log.warn({ card: 4242, password: 'hunter2' }, 'warn line')
      tracer.closeSync()
    `
    const result = await runChildIn(app, ['-e', script], { RINGTRACE_PROFILE: 'production' })
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' })
    expect((await readEvents(file)).map((e) => e.fields)).toEqual([{ msg: 'warn line', card: '[Redacted]', password: '[Redacted]' }])
  })

  it('creates a tracer with a profile end to end', async () => {
    const file = tracePath('config-profile')
    const tracer = createTracer({ provider: 'Test.Config', file, flushOnExit: false, profile: 'production' })
    expect([tracer.isEnabled(5, 0n), tracer.isEnabled(4, 0n)]).toEqual([false, true])
    tracer.logger().debug('sampled out and below the level')
    tracer.logger().info({ token: 'abc' }, 'kept')
    await tracer.close()
    expect((await readEvents(file)).map((e) => e.fields)).toEqual([{ msg: 'kept', token: '[Redacted]' }])
  })
})

/** runChild with a working directory. */
function runChildIn(cwd: string, args: string[], env: Record<string, string>) {
  const previous = process.cwd()
  process.chdir(cwd)
  try {
    return runChild(args, { RINGTRACE_CONFIG: undefined, ...env })
  } finally {
    process.chdir(previous)
  }
}
