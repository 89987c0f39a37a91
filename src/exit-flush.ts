// Nothing traced is lost when the process ends: open tracers of this thread are closed on
// 'exit' (normal end, process.exit(), an uncaught exception), and on the main thread on the
// signals that would otherwise end the process without an 'exit' event (SIGHUP, SIGINT, SIGTERM
// and, where they exist, SIGQUIT and SIGBREAK).
//
// A signal that only ringtrace listens for is the default ending: close everything, then die by
// the signal. When the app listens too, it is shutting down gracefully and may trace while it
// does: flush what is traced so far (so it survives if the shutdown goes wrong) and keep
// recording; 'exit' closes the tracers.

import { isMainThread } from 'node:worker_threads'

interface Closable {
  flush(): void
  closeSync(): void
}

const open = new Set<Closable>()
let installed = false

// SIGKILL and SIGSTOP cannot be caught; SIGPIPE is ignored by Node; SIGUSR1 starts its inspector.
export const FLUSH_SIGNALS: readonly NodeJS.Signals[] = process.platform === 'win32'
  ? ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK']
  : ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGQUIT']

function each(what: string, action: (tracer: Closable) => void): void {
  for (const tracer of [...open]) {
    try {
      action(tracer)
    } catch (error) {
      process.stderr.write(`ringtrace: ${what} a tracer at exit failed: ${(error as Error).message}\n`)
    }
  }
}

function closeAll(): void {
  each('closing', (tracer) => tracer.closeSync())
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) {
    each('flushing', (tracer) => tracer.flush())
    return
  }
  closeAll()
  // Keep the default behaviour: die by the signal.
  process.removeListener(signal, onSignal)
  process.kill(process.pid, signal)
}

function install(): void {
  if (installed) return
  installed = true
  process.on('exit', closeAll)
  if (isMainThread) {
    for (const signal of FLUSH_SIGNALS) process.on(signal, onSignal)
  }
}

export function trackTracer(tracer: Closable): void {
  install()
  open.add(tracer)
}

export function untrackTracer(tracer: Closable): void {
  open.delete(tracer)
}
