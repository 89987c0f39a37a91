// Runs test/fixtures/span-load.js (concurrent async request trees) on this thread or a worker.

import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

export interface LoadPlan {
  file: string
  backend: string
  trees: number
  concurrency: number
  tag: string
}

interface LoadStats {
  lost: number
}

const FIXTURE = join(__dirname, '..', 'fixtures', 'span-load.js')
// The fixture is plain JS over dist/, as workers need; the main thread runs the same load.
const fixture = require(FIXTURE) as { runLoad: (plan: LoadPlan) => Promise<LoadStats> }

export function runLoad(plan: LoadPlan): Promise<LoadStats> {
  return fixture.runLoad(plan)
}

export function runLoadInWorker(plan: LoadPlan): Promise<LoadStats> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(FIXTURE, { workerData: plan })
    worker.once('message', (m: { stats?: LoadStats; error?: string }) => (m.error === undefined ? resolve(m.stats!) : reject(new Error(m.error))))
    worker.once('error', reject)
  })
}
