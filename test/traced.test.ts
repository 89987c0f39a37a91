// @traced(): TypeScript 5 standard decorators. The decorated classes are compiled by the
// TypeScript compiler, as an app's build would compile them, then each call's span is read back
// from the trace file: name, parent, status, error and attributes, on both backends.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { analyzeTraceFile, createTracer } from '../src/index.js'
import { TracerError } from '../src/errors.js'
import { SpanStatus } from '../src/format/span-records.js'
import { ATTRIBUTES_ERROR, traced, type SpanRunner } from '../src/spans/traced.js'
import type * as Services from './fixtures/traced/services.js'
import { BACKENDS } from './helpers/backends.js'
import { tracePath } from './helpers/trace-files.js'

/** The fixture compiled by TypeScript (standard decorators: no experimentalDecorators). */
function compiledServices(): typeof Services {
  const source = readFileSync(join(__dirname, 'fixtures', 'traced', 'services.ts'), 'utf8')
  const { outputText, diagnostics } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
    reportDiagnostics: true,
  })
  expect(diagnostics ?? []).toEqual([])
  const module = { exports: {} as typeof Services }
  new Function('exports', 'require', 'module', outputText)(module.exports, require, module)
  return module.exports
}

describe.each(BACKENDS)('@traced (%s backend)', (backend) => {
  it('makes a span per call: sync and async, static and private, errors recorded, results unchanged', async () => {
    const file = tracePath(`traced-${backend}`)
    const tracer = createTracer({ provider: 'Test.Traced', backend, file, flushOnExit: false })
    const { Repository } = compiledServices().makeServices(traced, tracer)
    const repo = Repository.create()
    expect(repo.find('a')).toBe(1)
    expect(await repo.load('a', 1)).toBe(1)
    await expect(repo.load('zz', 2)).rejects.toThrow(RangeError)
    expect(() => repo.fail()).toThrow('sync failure')
    expect(repo.outer()).toBe(1)
    expect(repo.guarded()).toBe('ran')
    await tracer.close()

    const { analysis: { spans }, damage } = await analyzeTraceFile(file)
    expect(damage).toBeUndefined()
    const named = (name: string) => spans.filter((s) => s.name === name)
    expect(named('Repository.create')).toHaveLength(1)
    expect(named('Repository.find')).toHaveLength(2)
    const loads = named('repo.load')
    expect(loads.map((s) => [s.startFields.key, s.startFields.attempt, s.status])).toEqual([
      ['a', 1, SpanStatus.Ok], ['zz', 2, SpanStatus.Error],
    ])
    expect(loads[1]).toMatchObject({ errorType: 'RangeError', errorMessage: 'no row zz' })
    // The async span lasts as long as the awaited timer, not as the synchronous part.
    expect(loads[0]!.durationNs).toBeGreaterThanOrEqual(4_000_000)
    expect(named('Repository.fail')[0]).toMatchObject({ status: SpanStatus.Error, errorType: 'TypeError', errorMessage: 'sync failure' })
    const [outer] = named('Repository.outer')
    const [inner] = named('Repository.#inner')
    expect(inner!.parent).toBe(outer)
    expect(named('Repository.find').find((s) => s.parent === inner)).toBeDefined()
    const [guarded] = named('Repository.guarded')
    expect(guarded!.startFields[ATTRIBUTES_ERROR]).toBe('extractor broke')
    expect(guarded!.status).toBe(SpanStatus.Ok)
    expect(spans.every((s) => s.terminated)).toBe(true)
  })
})

/** A stand-in tracer for the checks that refuse before any span is made. */
const runner: SpanRunner = { span: (_name, fn) => fn() }

describe('traced() bad input', () => {
  it('refuses what is not a tracer, unknown options and bad option values, naming them', () => {
    expect(() => traced(undefined as never)).toThrow(/first argument must be a tracer, got undefined/)
    expect(() => traced(runner, { nmae: 'x' } as never)).toThrow(/unknown option "traced\(\) options.nmae"; did you mean traced\(\) options.name/)
    expect(() => traced(runner, { name: '' })).toThrow(TracerError)
    expect(() => traced(runner, { attributes: 'key' as never })).toThrow(/attributes must be a function/)
  })

  it('refuses to decorate anything but a method', () => {
    const decorate = traced(runner)
    const field = { kind: 'field', name: 'x', static: false, private: false } as unknown as ClassMethodDecoratorContext
    expect(() => decorate(() => 0, field)).toThrow(/decorates methods .*not a field/)
  })
})
