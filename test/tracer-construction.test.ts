// createTracer() that fails: it releases everything it had acquired (ring, file sink, ETW sink),
// whichever step failed, and throws one TracerError for one failure on both backends.

import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createTracer, type TracerOptions } from '../src/tracer.js'
import { TracerError } from '../src/errors.js'
import { t } from '../src/schema/field-type-tokens.js'
import { BACKENDS } from './helpers/backends.js'
import { runChild } from './helpers/child-process.js'
import { readEvents, tracePath } from './helpers/trace-files.js'

// Every call the tracer makes on its binding, with its result; `failAt` makes that call throw
// before it reaches the backend.
const injection = vi.hoisted(() => ({
  failAt: null as string | null,
  calls: [] as { method: string; args: unknown[]; result?: unknown }[],
}))

vi.mock('../src/backend/select-backend.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/backend/select-backend.js')>()
  return {
    ...actual,
    selectBackend: (requested: Parameters<typeof actual.selectBackend>[0]) => {
      const { name, binding } = actual.selectBackend(requested)
      // A copy of the binding's methods (a Proxy may not stand in for the addon's read-only ones).
      const methods = new Set([...Object.keys(binding), ...Object.getOwnPropertyNames(Object.getPrototypeOf(binding) as object)])
      methods.delete('constructor')
      const recording: Record<string, unknown> = {}
      for (const method of methods) {
        const value: unknown = Reflect.get(binding, method)
        if (typeof value !== 'function') continue
        recording[method] = (...args: unknown[]) => {
          const call: { method: string; args: unknown[]; result?: unknown } = { method, args }
          injection.calls.push(call)
          if (injection.failAt === method) throw Object.assign(new Error(`injected failure of ${method}`), { code: 'ERR_INJECTED' })
          call.result = (value as (...a: unknown[]) => unknown).apply(binding, args)
          return call.result
        }
      }
      return { name, binding: recording as unknown as typeof binding }
    },
  }
})

const FAILED_TRACERS = join(__dirname, 'fixtures', 'failed-tracers.js')
const MISSING_FILE = '/nonexistent-dir/x/y.rtrc'

function openFds(): number {
  return readdirSync('/dev/fd').length
}

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

/** What the recorded calls acquired and did not give back. */
function unreleased(): string[] {
  const calls = injection.calls
  const left: string[] = []
  for (const { method, result } of calls) {
    if (result === undefined) continue
    if (method === 'createRing') {
      const id = (result as { id: number }).id
      if (!calls.some((c) => c.method === 'closeRing' && c.args[0] === id)) left.push(`ring ${id}`)
    } else if (method === 'openFileSink') {
      const claimed = calls.some((c) => c.method === 'attachRing' && c.args[1] === result && 'result' in c)
      const released = calls.some((c) => c.method === 'releaseFileSink' && c.args[0] === result && 'result' in c)
      if (!claimed && !released) left.push(`file sink ${String(result)}`)
    } else if (method === 'openEtwSink') {
      const claimed = calls.some((c) => c.method === 'attachEtwSink' && c.args[1] === result && 'result' in c)
      const released = calls.some((c) => c.method === 'releaseEtwSink' && c.args[0] === result && 'result' in c)
      if (!claimed && !released) left.push(`ETW sink ${String(result)}`)
    }
  }
  return left
}

describe('a createTracer() that throws', () => {
  it('throws the same TracerError on both backends for a file that cannot be opened', () => {
    const errors = BACKENDS.map((backend) => thrown(() => createTracer({ provider: 'Test.Failed', backend, file: MISSING_FILE, flushOnExit: false })))
    const shapes = errors.map((error) => ({
      isTracerError: error instanceof TracerError,
      code: (error as TracerError).code,
      message: (error as TracerError).message,
      cause: { isError: (error as TracerError).cause instanceof Error, code: ((error as TracerError).cause as { code?: unknown }).code },
    }))
    const expected = {
      isTracerError: true,
      code: 'SINK_ERROR',
      message: `ringtrace: file: cannot open ${MISSING_FILE}: No such file or directory`,
      cause: { isError: true, code: 'ERR_RINGTRACE_IO' },
    }
    expect(shapes).toEqual([expected, expected])
  })

  it.each(BACKENDS)('holds no ring memory after 20 failures with a 32 MiB ring (%s backend)', async (backend) => {
    const ringBytes = 2 ** 25
    const result = await runChild(['--expose-gc', FAILED_TRACERS, backend, '20', String(ringBytes)])
    expect(result.stderr).toBe('')
    const { before, after, codes } = JSON.parse(result.stdout) as { before: { rss: number; external: number }; after: { rss: number; external: number }; codes: string[] }
    expect(codes).toEqual(['SINK_ERROR'])
    // A leak holds 20 rings (640 MiB: resident on the native backend, whose rings are zeroed, and
    // ArrayBuffer memory on the TS one); the bound is 4 rings, for allocator and GC slack.
    const growth = { rss: after.rss - before.rss, external: after.external - before.external }
    const bound = 4 * ringBytes
    expect({ rss: growth.rss < bound, external: growth.external < bound, growth }).toEqual({ rss: true, external: true, growth })
  })

  it('releases an opened ETW capture sink when the file then fails (native backend)', () => {
    const provider = 'Test.Failed.EtwRelease'
    const fds = openFds()
    const first = thrown(() => createTracer({ provider, backend: 'native', file: MISSING_FILE, etw: { capture: tracePath('etw-first') }, flushOnExit: false }))
    expect((first as TracerError).code).toBe('SINK_ERROR')
    expect(openFds()).toBe(fds)
    // Had the provider's sink stayed open, another capture file would be refused for it.
    const file = tracePath('etw-second-file')
    const tracer = createTracer({ provider, backend: 'native', file, etw: { capture: tracePath('etw-second') }, flushOnExit: false })
    tracer.closeSync()
  })

  it('turns each ETW sink refusal into a TracerError (native backend)', () => {
    const provider = 'Test.Failed.EtwErrors'
    const missing = thrown(() => createTracer({ provider, backend: 'native', etw: { capture: '/nonexistent-dir/x/y.etwcap' }, flushOnExit: false }))
    const open = createTracer({ provider, backend: 'native', etw: { capture: tracePath('etw-open') }, flushOnExit: false })
    const conflict = thrown(() => createTracer({ provider, backend: 'native', etw: { capture: tracePath('etw-other') }, flushOnExit: false }))
    open.closeSync()
    const shape = (error: unknown) => ({ isTracerError: error instanceof TracerError, code: (error as TracerError).code, causeCode: ((error as TracerError).cause as { code?: unknown } | undefined)?.code })
    expect([shape(missing), shape(conflict)]).toEqual([
      { isTracerError: true, code: 'SINK_ERROR', causeCode: 'ERR_RINGTRACE_IO' },
      { isTracerError: true, code: 'INVALID_OPTION', causeCode: 'ERR_RINGTRACE_STATE' },
    ])
    expect((missing as Error).message).toBe('ringtrace: etw: cannot open /nonexistent-dir/x/y.etwcap: No such file or directory')
  })

  describe.each(BACKENDS)('with a failure injected at each step (%s backend)', (backend) => {
    const withEtw = backend === 'native'
    const steps = withEtw
      ? ['openEtwSink', 'createRing', 'monotonicNs', 'openFileSink', 'attachRing', 'attachEtwSink']
      : ['createRing', 'monotonicNs', 'openFileSink', 'attachRing']

    it.each(steps)('releases everything acquired before %s failed, and rethrows its error', async (step) => {
      const file = tracePath(`inject-${step}`)
      const options: TracerOptions = {
        provider: `Test.Failed.Inject.${backend}.${step}`,
        backend,
        file,
        ...(withEtw ? { etw: { capture: tracePath(`inject-${step}-etw`) } } : {}),
      }
      const fds = openFds()
      injection.calls = []
      injection.failAt = step
      let error: unknown
      try {
        error = thrown(() => createTracer(options))
      } finally {
        injection.failAt = null
      }
      expect((error as { code?: unknown }).code).toBe('ERR_INJECTED')
      expect(injection.calls.map((c) => c.method)).toContain(step)
      expect(unreleased()).toEqual([])
      expect(openFds()).toBe(fds)
      // Nothing of the failed tracer is left in the way: the same options work now.
      const tracer = createTracer(options)
      tracer.event('After', [['i', t.u32]])(7)
      await tracer.close()
      expect((await readEvents(file)).map((e) => e.fields)).toEqual([{ i: 7 }])
    })
  })
})
