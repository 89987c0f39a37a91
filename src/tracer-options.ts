// createTracer()'s options and their checks: every mistake, an unknown key included, is a
// TracerError with a code, thrown before anything is allocated.

import { DEFAULT_RING_BYTES, MAX_RING_BYTES, MIN_RING_BYTES } from './format/ring-layout.js'
import { DEFAULT_MAX_STRING_BYTES, MAX_STRING_BYTES } from './format/record-layout.js'
import { describeValue, TracerError } from './errors.js'
import { checkKnownKeys } from './option-keys.js'
import type { BackendRequest } from './backend/select-backend.js'
import type { ExportOptions } from './export/export-options.js'
import { resolveConsole, type ConsoleOptions, type ResolvedConsole } from './export/console/console-options.js'
import { parseRedaction, type Redaction, type RedactOption } from './schema/redaction.js'
import { resolveLogFilters, type LogFilters, type LogOptions } from './log/log-filters.js'
import type { ProfileName } from './config/profiles.js'
import { checkAlerts, type AlertsOptions, type CheckedAlerts } from './alerts/alert-options.js'

export type OnFull = 'discard' | 'overwrite'

export { DEFAULT_FILE_PERMISSIONS } from './sinks/file-sink.js'
export const DEFAULT_FLUSH_INTERVAL_MS = 100
const MAX_FLUSH_INTERVAL_MS = 3_600_000

export interface TracerOptions {
  /** Provider name, as in ETW (e.g. 'MyCompany.MyComponent'). */
  provider: string
  /** 'auto' (default; also RINGTRACE_BACKEND): native when its binary loads, else the TS ring. */
  backend?: BackendRequest
  /** Ring capacity in bytes: a power of two from 4 KiB to 1 GiB (default 4 MiB). */
  ringBytes?: number
  /** Full-ring policy (default 'discard'; 'overwrite' keeps the newest data, a flight recorder). */
  onFull?: OnFull
  /** Trace file (.rtrc) to write. Without it events are drained and counted only. */
  file?: string
  /**
   * Flight recorder: keep every ring of the process (this thread's and each worker's that names
   * it) in a file mapped shared in this directory, made 0o700 when missing, so that
   * `ringtrace recover <dir>` rebuilds the trace after the process dies in any way (SIGKILL,
   * abort, an OOM kill). Native backend only (docs/flight-recorder.md).
   */
  ringDir?: string
  /** 'truncate' starts a new file, 'append' joins one (default: truncate on the main thread, append in workers). */
  fileMode?: 'truncate' | 'append'
  /** Permission bits of a trace or capture file this creates, 0 to 0o777 (default 0o600; POSIX, before the umask). */
  filePermissions?: number
  /** Open the trace or capture file through a symbolic link at its path (default false: such a link is refused). */
  followSymlinks?: boolean
  /**
   * Longest time, in ms, traced bytes stay buffered in the process before they reach the OS
   * (default 100; 0: every drain pass, about 1 ms). The native file sink buffers up to 1 MiB;
   * the TS backend writes every chunk as it drains (every 4 ms), so it is always within this.
   */
  flushIntervalMs?: number
  /** Highest level recorded (default 5, Verbose). */
  level?: number
  /** Keyword mask: an event with keyword k is recorded when k is 0 or k & mask is not 0 (default all bits). */
  keywords?: bigint | number
  /** Cap for string and binary values in bytes (default 1024, at most 65535). */
  maxStringBytes?: number
  /** Name for this thread's stream in the trace (default 'main' or 'worker <id>'). */
  threadName?: string
  /** Flush and close on process exit, uncaught exceptions and the signals that end a process (default true; docs/api.md). */
  flushOnExit?: boolean
  /** Also emit every event as a TraceLogging event of `provider` (native backend only; docs/etw.md). */
  etw?: EtwOptions
  /**
   * Live export over OTLP (docs/export.md), off the event loop. Without it, the OpenTelemetry
   * variables (OTEL_EXPORTER_OTLP_ENDPOINT, ...) decide; false: no export.
   */
  export?: ExportOptions | false
  /**
   * Every event records the trace id and span id of the span current when it is traced (24 bytes
   * more per record), so that a reader can tell which span it belongs to without ring order
   * (docs/FORMAT.md, "Events traced in a span"). Default: true when the tracer exports (log
   * records then carry their span's ids), else false: it costs 24 bytes and a context read per event.
   */
  correlate?: boolean
  /**
   * Values that never reach the ring (docs/logging.md, "Redaction"): paths in pino's syntax,
   * `['password', 'req.headers.authorization', '*.token']`, or `{ paths, censor }` (default
   * censor '[Redacted]'). A path of one segment names a field of any event, span or log line.
   */
  redact?: RedactOption
  /**
   * What this tracer's loggers write (docs/logging.md, "Filters"): `{ level, components: {
   * include, exclude, levels }, sample, rateLimit }`.
   */
  log?: LogOptions
  /**
   * Defaults for where the app runs: 'development', 'staging', 'production' or 'test' (also
   * RINGTRACE_PROFILE; docs/logging.md, "Profiles"). The config file, the environment and these
   * options override them.
   */
  profile?: ProfileName
  /**
   * Coloured human lines of the loggers (and, with `events`, of plain events) on stdout or
   * stderr, written by the export worker, never by this thread (docs/logging.md, "Console"):
   * true, or `{ level, stream, colors, events, budgetBytes }`. On in the development profile.
   */
  console?: boolean | ConsoleOptions
  /**
   * Alert rules evaluated by the export worker on the live stream (docs/alerts.md): `{ rules:
   * [{ name, when, count | percentile, severity, suppressMs, escalate, record, webhook, onAlert }],
   * webhook: { url, headers } }`.
   */
  alerts?: AlertsOptions
}

export interface EtwOptions {
  /**
   * Capture mode: write each event as ETW would receive it to this file (docs/etw.md, "Capture
   * mode"), on any OS. Without it, events go to ETW itself (Windows only; elsewhere the tracer
   * throws ETW_UNSUPPORTED).
   */
  capture?: string
  /**
   * Test option: the live provider writes every event as if an ETW session wanted all of them
   * (Wine, where no session ever calls back). With `capture`, each event goes to ETW and to the
   * capture file. Windows only, as live ETW.
   */
  forceWrites?: boolean
}

/**
 * Every key of TracerOptions, so that a misspelt one is an error rather than silently ignored. The
 * `satisfies` makes a key added to TracerOptions without a line here (or one here that
 * TracerOptions lacks) a compile error.
 */
const TRACER_OPTION_KEYS = Object.keys({
  provider: true,
  backend: true,
  ringBytes: true,
  onFull: true,
  file: true,
  ringDir: true,
  fileMode: true,
  level: true,
  keywords: true,
  maxStringBytes: true,
  threadName: true,
  flushOnExit: true,
  etw: true,
  filePermissions: true,
  followSymlinks: true,
  flushIntervalMs: true,
  export: true,
  correlate: true,
  redact: true,
  log: true,
  profile: true,
  console: true,
  alerts: true,
} satisfies Record<keyof TracerOptions, true>)

const ETW_OPTION_KEYS = Object.keys({
  capture: true,
  forceWrites: true,
} satisfies Record<keyof EtwOptions, true>)

export function checkOptions(options: TracerOptions): Required<Pick<TracerOptions, 'ringBytes' | 'onFull' | 'maxStringBytes'>> & Pick<TracerOptions, 'correlate'> & { redaction: Redaction | undefined; logFilters: LogFilters; console: ResolvedConsole | undefined; alerts: CheckedAlerts | undefined } {
  if (typeof options !== 'object' || options === null) {
    throw new TracerError('INVALID_OPTION', 'ringtrace: createTracer() expects an options object with at least { provider }')
  }
  checkKnownKeys(options, TRACER_OPTION_KEYS, '')
  const { provider } = options
  if (typeof provider !== 'string' || provider.length === 0 || provider.length > 255 || provider.includes('\0')) {
    throw new TracerError('INVALID_OPTION', `ringtrace: provider must be a non-empty string of at most 255 characters without NUL, got ${JSON.stringify(provider)}`)
  }
  const ringBytes = options.ringBytes ?? DEFAULT_RING_BYTES
  if (!Number.isInteger(ringBytes) || ringBytes < MIN_RING_BYTES || ringBytes > MAX_RING_BYTES || (ringBytes & (ringBytes - 1)) !== 0) {
    throw new TracerError('INVALID_OPTION', `ringtrace: ringBytes must be a power of two from ${MIN_RING_BYTES} (4 KiB) to ${MAX_RING_BYTES} (1 GiB), got ${String(ringBytes)}`)
  }
  const onFull = options.onFull ?? 'discard'
  if (onFull !== 'discard' && onFull !== 'overwrite') {
    throw new TracerError('INVALID_OPTION', `ringtrace: onFull must be 'discard' or 'overwrite', got ${String(onFull)}`)
  }
  const maxStringBytes = options.maxStringBytes ?? DEFAULT_MAX_STRING_BYTES
  if (!Number.isInteger(maxStringBytes) || maxStringBytes < 0 || maxStringBytes > MAX_STRING_BYTES) {
    throw new TracerError('INVALID_OPTION', `ringtrace: maxStringBytes must be an integer from 0 to ${MAX_STRING_BYTES}, got ${String(maxStringBytes)}`)
  }
  if (options.file !== undefined && (typeof options.file !== 'string' || options.file.length === 0)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: file must be a path string, got ${String(options.file)}`)
  }
  if (options.ringDir !== undefined && (typeof options.ringDir !== 'string' || options.ringDir.length === 0 || options.ringDir.includes('\0'))) {
    throw new TracerError('INVALID_OPTION', `ringtrace: ringDir must be a directory path string, got ${describeValue(options.ringDir)}`)
  }
  if (options.fileMode !== undefined && options.fileMode !== 'truncate' && options.fileMode !== 'append') {
    throw new TracerError('INVALID_OPTION', `ringtrace: fileMode must be 'truncate' or 'append', got ${String(options.fileMode)}`)
  }
  const { filePermissions, followSymlinks, flushIntervalMs } = options
  if (filePermissions !== undefined && (!Number.isInteger(filePermissions) || filePermissions < 0 || filePermissions > 0o777)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: filePermissions must be permission bits from 0 to 0o777 (such as 0o600), got ${String(filePermissions)}`)
  }
  if (followSymlinks !== undefined && typeof followSymlinks !== 'boolean') {
    throw new TracerError('INVALID_OPTION', `ringtrace: followSymlinks must be a boolean, got ${String(followSymlinks)}`)
  }
  if (flushIntervalMs !== undefined && (!Number.isInteger(flushIntervalMs) || flushIntervalMs < 0 || flushIntervalMs > MAX_FLUSH_INTERVAL_MS)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: flushIntervalMs must be an integer from 0 to ${MAX_FLUSH_INTERVAL_MS} (1 hour), got ${String(flushIntervalMs)}`)
  }
  const { etw } = options
  if (etw !== undefined && (typeof etw !== 'object' || etw === null)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: etw must be an object such as { capture: 'trace.etwcap' }, got ${String(etw)}`)
  }
  if (etw !== undefined) checkKnownKeys(etw, ETW_OPTION_KEYS, 'etw.')
  if (etw?.capture !== undefined && (typeof etw.capture !== 'string' || etw.capture.length === 0)) {
    throw new TracerError('INVALID_OPTION', `ringtrace: etw.capture must be a path string, got ${String(etw.capture)}`)
  }
  if (etw?.forceWrites !== undefined && typeof etw.forceWrites !== 'boolean') {
    throw new TracerError('INVALID_OPTION', `ringtrace: etw.forceWrites must be a boolean, got ${String(etw.forceWrites)}`)
  }
  const { correlate } = options
  if (correlate !== undefined && typeof correlate !== 'boolean') {
    throw new TracerError('INVALID_OPTION', `ringtrace: correlate must be a boolean, got ${String(correlate)}`)
  }
  return {
    ringBytes, onFull, maxStringBytes, correlate, redaction: parseRedaction(options.redact, 'redact'), logFilters: resolveLogFilters(options.log),
    console: resolveConsole(options.console),
    alerts: checkAlerts(options.alerts),
  }
}

