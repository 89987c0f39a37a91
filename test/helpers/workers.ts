// Runs test/fixtures/worker-tracer.js threads and collects what they report.

import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { TracerStats } from '../../src/tracer.js'

export interface WorkerReport {
  threadId: number
  stream: number
  stats: TracerStats
}

export interface WorkerPlan {
  backend: string
  file: string
  events: number
  ringBytes?: number
  onFull?: 'discard' | 'overwrite'
  end: 'close' | 'return' | 'hang'
  yieldEvery?: number
  drainDelayMicros?: number
}

const FIXTURE = join(__dirname, '..', 'fixtures', 'worker-tracer.js')

/** Starts a worker; resolves with its report once it has exited (terminated, for 'hang'). */
export function runWorker(plan: WorkerPlan): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(FIXTURE, { workerData: plan })
    let report: WorkerReport | undefined
    worker.on('message', (message: WorkerReport | { error: string }) => {
      if ('error' in message) {
        reject(new Error(message.error))
        return
      }
      report = message
      if (plan.end === 'hang') void worker.terminate()
    })
    worker.on('error', reject)
    worker.on('exit', () => (report === undefined ? reject(new Error('worker exited without a report')) : resolve(report)))
  })
}
