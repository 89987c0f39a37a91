import { describe, expect, it, vi } from 'vitest'
import { resolveExport } from '../src/export/export-options.js'
import { readOtelEnv } from '../src/export/otel-env.js'
import { TracerError } from '../src/errors.js'

const resolve = (options: unknown, env: Record<string, string> = {}) => resolveExport(options, 'Test.Provider', readOtelEnv(env))

function thrown(fn: () => unknown): { code?: string; message: string } | undefined {
  try {
    fn()
  } catch (error) {
    return { code: (error as TracerError).code, message: (error as Error).message }
  }
  return undefined
}

describe('export options and the OpenTelemetry variables', () => {
  it('exports nothing when neither the options nor the variables ask for it', () => {
    expect(resolve(undefined)).toBeUndefined()
    expect(resolve(false, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBeUndefined()
  })

  it('exports where the variables say when the options say nothing', () => {
    const config = resolve(undefined, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/base',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s%20ecret,X-Tenant=7',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '2500',
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=pay%2Fments',
    })
    expect(config).toMatchObject({
      serviceName: 'checkout',
      resourceAttributes: { 'deployment.environment': 'prod', team: 'pay/ments' },
      traces: { url: 'http://collector:4318/base/v1/traces', protocol: 'http/json', compression: 'gzip', timeoutMs: 10_000, headers: { 'api-key': 's ecret', 'x-tenant': '7' } },
      logs: { url: 'http://collector:4318/base/v1/logs', timeoutMs: 2500 },
    })
  })

  it('takes a signal endpoint as it is and leaves out the signal without one', () => {
    const config = resolve(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/custom' })
    expect({ traces: config?.traces?.url, logs: config?.logs }).toEqual({ traces: 'https://traces.example/custom', logs: undefined })
  })

  it('turns a signal off with OTEL_<SIGNAL>_EXPORTER=none and everything off with OTEL_SDK_DISABLED', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_LOGS_EXPORTER: 'none' }
    expect(resolve(undefined, env)?.logs).toBeUndefined()
    expect(resolve(undefined, { ...env, OTEL_SDK_DISABLED: 'true' })).toBeUndefined()
  })

  it('lets the options win over the variables and fills the rest from them', () => {
    const config = resolve({ otlp: { endpoint: 'http://code:4318', headers: { Authorization: 'Bearer t' } }, serviceName: 'api' }, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318', OTEL_EXPORTER_OTLP_HEADERS: 'x-env=1', OTEL_SERVICE_NAME: 'ignored',
    })
    expect(config).toMatchObject({
      serviceName: 'api',
      traces: { url: 'http://code:4318/v1/traces', headers: { authorization: 'Bearer t', 'x-env': '1' } },
    })
  })

  it('defaults to a local collector when OTLP is configured in code without an endpoint', () => {
    expect(resolve({ otlp: { tracesEndpoint: false } })).toMatchObject({
      serviceName: 'Test.Provider', traces: undefined, logs: { url: 'http://localhost:4318/v1/logs', protocol: 'http/protobuf', compression: 'none' },
    })
  })

  it('reports a bad variable once and ignores it', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    try {
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TIMEOUT: 'soon', OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }
      const config = resolve(undefined, env)
      resolve(undefined, env)
      expect(config?.traces).toMatchObject({ protocol: 'http/protobuf', timeoutMs: 10_000, headers: {} })
      expect(warn.mock.calls.map((call) => String(call[0]))).toEqual([
        'ringtrace: ignoring OTEL_EXPORTER_OTLP_HEADERS: entry "novalue" is not key=value',
        'ringtrace: ignoring OTEL_EXPORTER_OTLP_PROTOCOL: ringtrace exports over HTTP only (http/protobuf or http/json); using http/protobuf',
        'ringtrace: ignoring OTEL_EXPORTER_OTLP_TIMEOUT: "soon" is not a positive whole number of milliseconds',
      ])
    } finally {
      warn.mockRestore()
    }
  })

  it('ignores an endpoint variable that is not an http URL, so nothing is exported', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    try {
      expect(resolve(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toBeUndefined()
      expect(warn).toHaveBeenCalledTimes(1)
    } finally {
      warn.mockRestore()
    }
  })

  it.each([
    [{ otlp: { endpoint: 'ftp://x' } }, 'ringtrace: export.otlp.endpoint must be an http:// or https:// URL, got "ftp://x"'],
    [{ otlp: { tracesEndpoint: 42 } }, 'ringtrace: export.otlp.tracesEndpoint must be an http:// or https:// URL, got 42'],
    [{ otlp: { protocol: 'grpc' } }, "ringtrace: export.otlp.protocol must be 'http/protobuf' or 'http/json', got \"grpc\""],
    [{ otlp: { compression: 'br' } }, "ringtrace: export.otlp.compression must be 'gzip' or 'none', got \"br\""],
    [{ otlp: { headers: { 'bad name': 'x' } } }, 'ringtrace: export.otlp.headers key "bad name" must be an HTTP header name (a token), got "bad name"'],
    [{ otlp: { headers: { ok: 'a\r\nInjected: 1' } } }, 'ringtrace: export.otlp.headers.ok must be an HTTP header value: a string without control characters, got "a\\r\\nInjected: 1"'],
    [{ otlp: { headers: { 'Content-Type': 'text/plain' } } }, 'ringtrace: export.otlp.headers.Content-Type frames the request and is set by the exporter'],
    [{ otlp: { timeoutMs: 0 } }, 'ringtrace: export.otlp.timeoutMs must be an integer from 1 to 600000 (ms), got 0'],
    [{ otlp: { concurrency: 17 } }, 'ringtrace: export.otlp.concurrency must be an integer from 1 to 16, got 17'],
    [{ otlp: { endpont: 'http://x' } }, 'ringtrace: unknown option "export.otlp.endpont"; did you mean export.otlp.endpoint?'],
    [{ streamBytes: 1024 }, 'ringtrace: export.streamBytes must be an integer from 1048576 to 1073741824 (bytes), got 1024'],
    [{ serviceName: '' }, 'ringtrace: export.serviceName must be a non-empty string, got ""'],
    [{ resourceAttributes: { n: Number.NaN } }, 'ringtrace: export.resourceAttributes["n"] must be a string, finite number or boolean under a non-empty key, got NaN'],
    ['yes', 'ringtrace: export must be an object such as { otlp: { endpoint: \'http://collector:4318\' } }, got "yes"'],
  ])('refuses %j with a TracerError naming the option', (options, message) => {
    expect(thrown(() => resolve(options))).toEqual({ code: 'INVALID_OPTION', message })
  })
})
