// Nothing traced is lost when the process ends: open tracers of this thread are closed on
// 'exit' (normal end, process.exit(), an uncaught exception), and on the main thread on SIGINT
// and SIGTERM, which would otherwise end the process without an 'exit' event.

import { isMainThread } from 'node:worker_threads'

interface Closable {
  closeSync(): void
}

const open = new Set<Closable>()
let installed = false

function closeAll(): void {
  for (const tracer of [...open]) {
    try {
      tracer.closeSync()
    } catch (error) {
      process.stderr.write(`ringtrace: closing a tracer at exit failed: ${(error as Error).message}\n`)
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  closeAll()
  // When ringtrace is the only listener, keep the default behaviour: die by the signal.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal)
    process.kill(process.pid, signal)
  }
}

function install(): void {
  if (installed) return
  installed = true
  process.on('exit', closeAll)
  if (isMainThread) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
}

export function trackTracer(tracer: Closable): void {
  install()
  open.add(tracer)
}

export function untrackTracer(tracer: Closable): void {
  open.delete(tracer)
}
