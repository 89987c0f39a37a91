// A progress bar of the bytes of a file read, drawn on a terminal only: cli-progress redraws it
// at most 10 times a second, however often it is updated, and erases it when stopped, so the
// lines printed after it start on a clean line. Anywhere else (a pipe, a log file) nothing is drawn.

import { SingleBar } from 'cli-progress'
import type { Writable } from 'node:stream'

export interface ReadProgress {
  /** `bytes` of the file have been read. */
  update(bytes: number): void
  /** Erases the bar; call it before writing anything else to its stream. */
  stop(): void
}

const KiB = 1 << 10
const MiB = 1 << 20

const NO_PROGRESS: ReadProgress = { update: () => undefined, stop: () => undefined }

/** A bar on `stream` from 0 to `totalBytes`, when the stream is a terminal. */
export function readProgress(stream: Writable, label: string, totalBytes: number): ReadProgress {
  if ((stream as { isTTY?: boolean }).isTTY !== true) return NO_PROGRESS
  const [unit, scale] = totalBytes >= MiB ? ['MiB', MiB] : ['KiB', KiB]
  const bar = new SingleBar({
    stream,
    format: `{label} [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`,
    formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? (value / scale).toFixed(1) : String(value)),
    clearOnComplete: true,
    // The cursor stays visible: hiding it needs a SIGINT handler to show it again, and a handler
    // would keep Ctrl-C from ending the command.
    hideCursor: false,
  })
  // A payload value, not part of the format: a file named '{bar}' stays a name.
  bar.start(totalBytes, 0, { label })
  return {
    update: (bytes) => bar.update(bytes),
    stop: () => bar.stop(),
  }
}
