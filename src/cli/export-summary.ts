// What `ringtrace export --format otlp` says at the end, on stderr: per exporter where it sent,
// what became of the items it was handed, and its last error.

import type { ExporterStats } from '../export/http/exporter-counters.js'
import { printable, textTable } from './text-table.js'

export interface ExporterReport {
  readonly name: string
  readonly url: string
  readonly stats: ExporterStats
}

/** True when every item handed to every exporter was accepted by its receiver. */
export function exportedAll(reports: readonly ExporterReport[]): boolean {
  return reports.every(({ stats }) => stats.failed === 0 && stats.dropped === 0 && stats.pending === 0)
}

/** The URL without its user name and password, which may be credentials. */
function shownUrl(text: string): string {
  const url = new URL(text)
  url.username = ''
  url.password = ''
  return url.href
}

/** The summary text: a table of the exporters, each one's last error, the span ends left unpaired. */
export function exportSummary(events: number, reports: readonly ExporterReport[], unmatchedStops: number): string {
  const table = textTable(['exporter', 'url', 'items', 'exported', 'failed', 'dropped', 'retried'],
    reports.map(({ name, url, stats }) => [name, shownUrl(url), stats.handedOver, stats.exported, stats.failed, stats.dropped, stats.retried]))
  const errors = reports.flatMap(({ stats }) => (stats.lastError === null ? [] : [`last error: ${printable(stats.lastError.message)}\n`]))
  const unmatched = unmatchedStops === 0 ? [] : [`${unmatchedStops} span ends without their start in the file: not exported\n`]
  return [`${events} events read\n`, table, ...errors, ...unmatched].join('')
}
