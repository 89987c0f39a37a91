// `ringtrace export --format otlp`'s command line as createTracer's `export` options, so that one
// piece of code (resolveExport) checks them and fills in what they leave out from the
// OpenTelemetry variables. Here only what the command line itself can get wrong is checked: the
// shape of a header, the signal names, the digits of a number.

import type { ExportOptions, OtlpExportOptions } from '../export/export-options.js'
import type { OptionSpec, ParsedArgs } from './command.js'
import { UsageError } from './usage-error.js'

/** The final flush's deadline when --timeout is not given. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 30_000

const SIGNALS = ['traces', 'logs'] as const

export const OTLP_OPTIONS: OptionSpec = {
  endpoint: { type: 'string' },
  protocol: { type: 'string' },
  header: { type: 'string', multiple: true },
  compression: { type: 'string' },
  'service-name': { type: 'string' },
  signals: { type: 'string' },
  timeout: { type: 'string' },
  'budget-bytes': { type: 'string' },
}

/** The `export` options the command line sets, by the flag that sets them. */
const FLAG_OF_OPTION: readonly (readonly [string, string])[] = [
  ['export.otlp.endpoint', '--endpoint'], ['export.otlp.protocol', '--protocol'], ['export.otlp.headers', '--header'],
  ['export.otlp.compression', '--compression'], ['export.otlp.budgetBytes', '--budget-bytes'],
  ['export.serviceName', '--service-name'], ['export.closeTimeoutMs', '--timeout'],
]

/**
 * A resolveExport message in the command line's terms: the option it names becomes its flag
 * ('export.otlp.headers.x-id must be …' reads '--header x-id must be …').
 */
export function inFlagTerms(message: string): string {
  const text = message.replace(/^ringtrace: /, '')
  const known = FLAG_OF_OPTION.find(([option]) => text.startsWith(option))
  if (known === undefined) return text
  const rest = text.slice(known[0].length)
  return `${known[1]}${rest.startsWith('.') ? ` ${rest.slice(1)}` : rest}`
}

/** The OTLP options given on the command line, as `--name`. */
export function otlpOptionsGiven(args: ParsedArgs): string[] {
  return Object.keys(OTLP_OPTIONS).filter((name) => args.values[name] !== undefined).map((name) => `--${name}`)
}

/** A whole number's digits as a number; the range is resolveExport's to check. */
function wholeNumber(args: ParsedArgs, name: string): number | undefined {
  const text = args.values[name] as string | undefined
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} expects a whole number, got '${text}'`)
  return Number(text)
}

function headers(args: ParsedArgs): Record<string, string> | undefined {
  const pairs = args.values.header as string[] | undefined
  if (pairs === undefined) return undefined
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`--header expects name=value, got '${pair}'`)
    out[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return out
}

/** Which signals to send: both unless --signals names some. */
function signals(args: ParsedArgs): ReadonlySet<string> {
  const text = args.values.signals as string | undefined
  if (text === undefined) return new Set(SIGNALS)
  const names = text.split(',').map((name) => name.trim())
  const unknown = names.find((name) => !(SIGNALS as readonly string[]).includes(name))
  if (unknown !== undefined) throw new UsageError(`--signals takes ${SIGNALS.join(', ')} (comma-separated), got '${unknown}'`)
  return new Set(names)
}

/** Drops the keys whose value is undefined, so that resolveExport sees only what was given. */
function given<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T
}

/** The `export` options the command line asks for (OTLP only: no Loki, no resource attributes). */
export function otlpExportOptions(args: ParsedArgs): ExportOptions {
  const wanted = signals(args)
  const otlp: OtlpExportOptions = given({
    endpoint: args.values.endpoint as string | undefined,
    tracesEndpoint: wanted.has('traces') ? undefined : false,
    logsEndpoint: wanted.has('logs') ? undefined : false,
    protocol: args.values.protocol as OtlpExportOptions['protocol'],
    headers: headers(args),
    compression: args.values.compression as OtlpExportOptions['compression'],
    budgetBytes: wholeNumber(args, 'budget-bytes'),
  })
  return given({
    otlp,
    serviceName: args.values['service-name'] as string | undefined,
    closeTimeoutMs: wholeNumber(args, 'timeout') ?? DEFAULT_FLUSH_TIMEOUT_MS,
  })
}
