// `ringtrace export <file> --format otlp`: a trace file sent after the fact to an OTLP/HTTP
// receiver through the ExportRouter the live export runs, with one difference: the file is read
// no faster than the exporters take it (FullBudget 'wait'), so a file larger than their byte
// budget is sent whole instead of dropped. Spans still open at the end of the file end at its
// latest event (streams interleave by chunk, so the last in file order may be earlier).

import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { TracerError } from '../errors.js'
import { resolveExport, type ExportOptions, type ResolvedExport } from '../export/export-options.js'
import { EXPORT_DECODING, ExportRouter } from '../export/worker/export-router.js'
import type { TraceFileInfo } from '../reader/file-metadata.js'
import { TraceFileError } from '../reader/trace-file-error.js'
import type { TraceItem } from '../reader/trace-items.js'
import { TraceReader } from '../reader/trace-reader.js'
import type { ParsedArgs } from './command.js'
import { exportedAll, exportSummary, type ExporterReport } from './export-summary.js'
import { inFlagTerms, otlpExportOptions } from './otlp-export-options.js'
import { readProgress } from './read-progress.js'
import type { CliIo } from './text-output.js'
import { printable } from './text-table.js'
import { UsageError } from './usage-error.js'

interface Export {
  readonly config: ResolvedExport
  readonly router: ExportRouter
}

/** The export of the trace `file` describes; what resolveExport or an exporter refuses is a usage error. */
function startExport(options: ExportOptions, file: TraceFileInfo): Export {
  const { provider } = file
  let config: ResolvedExport
  let router: ExportRouter
  try {
    // An options object always resolves to an export (undefined is only for none asked).
    config = { ...resolveExport(options, provider)!, origin: { pid: file.pid, hostname: file.hostname } }
    router = new ExportRouter(config, provider, undefined, 'wait')
  } catch (error) {
    if (error instanceof TracerError) throw new UsageError(inFlagTerms(error.message))
    throw error
  }
  if (router.names.length === 0) {
    throw new UsageError('no signal left to send (OTEL_TRACES_EXPORTER and OTEL_LOGS_EXPORTER turn off what --signals does not)')
  }
  return { config, router }
}

/** The latest event time in `batch`, or `latest` when none is later. */
function latestTime(batch: readonly TraceItem[], latest: bigint): bigint {
  for (const item of batch) if (item.kind === 'event' && item.timestampNs > latest) latest = item.timestampNs
  return latest
}

/** Sends the trace in `file`; resolves to the exit code (0: everything exported). */
export async function exportOtlp(file: string, args: ParsedArgs, io: CliIo): Promise<number> {
  const options = otlpExportOptions(args)
  const reader = new TraceReader(file, EXPORT_DECODING)
  const progress = readProgress(io.stderr, printable(basename(file)), (await stat(file)).size)
  let run: Export | undefined
  let damage: TraceFileError | undefined
  let lastNs = 0n
  try {
    // The provider, which names the service by default, is known once the first chunk is read.
    for await (const batch of reader.batches()) {
      run ??= startExport(options, reader.file!)
      run.router.route(batch, (event) => reader.schemaOf(event))
      run.router.tick(performance.now())
      lastNs = latestTime(batch, lastNs)
      progress.update(reader.bytesRead)
      await run.router.whenHandedOn()
    }
    // The chunks after the last batch (END records) count as read too.
    progress.update(reader.bytesRead)
  } catch (error) {
    if (!(error instanceof TraceFileError)) throw error
    damage = error
  } finally {
    progress.stop()
  }
  if (run === undefined && reader.file !== undefined) run = startExport(options, reader.file)
  const exported = run === undefined || await finish(run, lastNs, io)
  if (damage !== undefined) io.stderr.write(`${damage.message}\n`)
  return exported && damage === undefined ? 0 : 1
}

/** Sends what is left within the timeout and prints the summary; true when everything was exported. */
async function finish({ config, router }: Export, lastNs: bigint, io: CliIo): Promise<boolean> {
  await router.finish(Date.now() + config.closeTimeoutMs, lastNs === 0n ? undefined : lastNs)
  const urls: Record<string, string | undefined> = { 'otlp-traces': config.traces?.url, 'otlp-logs': config.logs?.url }
  const reports: ExporterReport[] = router.names.map((name, i) => ({ name, url: urls[name]!, stats: router.counters[i]!.snapshot() }))
  io.stderr.write(exportSummary(router.events, reports, router.unmatchedStops))
  return exportedAll(reports)
}
