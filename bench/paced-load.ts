// A paced load on the event loop and what it does to the loop's responsiveness: a burst of work
// every period, scheduled against absolute times (a late burst is followed at once by the next
// one, never skipped, so falling behind shows as a lower achieved rate, not as a hidden gap), with
// Node's event-loop delay monitor sampling the loop after a warm-up.

import { monitorEventLoopDelay } from 'node:perf_hooks'

export interface Pacing {
  /** Items one burst produces (to report the achieved rate). */
  burstItems: number
  periodMs: number
  /** Paced but not measured: JIT, the tracer's threads starting, first batches. */
  warmupMs: number
  measureMs: number
}

export interface PacedWindow {
  /** The monitor's percentiles, ms: the interval between its 1 ms timer's runs (so an idle loop shows about 1 ms). */
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Items produced in the measured window, per second of it. */
  itemsPerS: number
  /** Items produced in the whole window, warm-up included. */
  items: number
  /** The main thread's event-loop utilisation in the measured window, 0 to 1. */
  mainBusy: number
  /** CPU time of the whole process (every thread) per wall time in the measured window: 1 = one core. */
  processCores: number
}

const RESOLUTION_MS = 1

/** Runs `burst` every `pacing.periodMs` for the warm-up and the measured window. */
export function pacedWindow(burst: () => void, pacing: Pacing): Promise<PacedWindow> {
  const monitor = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  const start = performance.now()
  let bursts = 0
  let measureStart: number | null = null
  let burstsBeforeMeasure = 0
  let eluStart = performance.eventLoopUtilization()
  let cpuStart = process.cpuUsage()
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = performance.now()
      if (measureStart === null && now - start >= pacing.warmupMs) {
        measureStart = now
        burstsBeforeMeasure = bursts
        eluStart = performance.eventLoopUtilization()
        cpuStart = process.cpuUsage()
        monitor.enable()
      }
      if (measureStart !== null && now - measureStart >= pacing.measureMs) {
        monitor.disable()
        const measured = bursts - burstsBeforeMeasure
        const cpu = process.cpuUsage(cpuStart)
        const wallUs = (now - measureStart) * 1000
        resolve({
          p50Ms: monitor.percentile(50) / 1e6,
          p99Ms: monitor.percentile(99) / 1e6,
          maxMs: monitor.max / 1e6,
          itemsPerS: (measured * pacing.burstItems) / ((now - measureStart) / 1000),
          items: bursts * pacing.burstItems,
          mainBusy: performance.eventLoopUtilization(eluStart).utilization,
          processCores: (cpu.user + cpu.system) / wallUs,
        })
        return
      }
      burst()
      bursts++
      setTimeout(tick, Math.max(0, start + bursts * pacing.periodMs - performance.now()))
    }
    tick()
  })
}
