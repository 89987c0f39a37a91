// ringtrace/recorder: reading the ring files a tracer with { ringDir } keeps
// (docs/flight-recorder.md). A subpath of its own: an app that only traces never loads it.

export { recoverRingDir } from './recover.js'
export type { RecoveredRing, RecoverOptions, RecoverReport } from './recover.js'
export { RecoverError } from './recover-error.js'
export type { RecoverErrorCode } from './recover-error.js'
export { listRingRuns } from './ring-dir.js'
export type { RingFileHeader, RingRun } from './ring-dir.js'
