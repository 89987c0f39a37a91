// The ring files of a ring directory (createTracer's ringDir), grouped by the process run that
// made them, each header checked (docs/FORMAT.md section 6). Reading a header never trusts it:
// a file that is not a ring file, is cut short or contradicts its name is a RecoverError naming
// the file and the offset of the bad field.

import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { DATA_OFFSET, MAX_RING_BYTES, MIN_RING_BYTES } from '../format/ring-layout.js'
import { RecoverError } from './recover-error.js'
import { RING_FILE_CAPACITY_OFFSET, RING_FILE_FLAG_OVERWRITE, RING_FILE_FLAGS_OFFSET, RING_FILE_HEADER_BYTES,
  RING_FILE_HEADER_SIZE_OFFSET, RING_FILE_MAGIC, RING_FILE_PID_OFFSET, RING_FILE_RING_ID_OFFSET, RING_FILE_STATE_CLOSED,
  RING_FILE_STATE_OFFSET, RING_FILE_STATE_OPEN, RING_FILE_VERSION, RING_FILE_VERSION_OFFSET } from './ring-file-layout.js'
import { metaPathOf } from './ring-meta-file.js'

export interface RingFileHeader {
  readonly path: string
  readonly metaPath: string
  readonly ringId: number
  readonly pid: number
  readonly capacity: number
  readonly overwrite: boolean
  /** Whether the tracer closed the ring (its process stopped writing it) before it went. */
  readonly closed: boolean
}

/** One process's rings: `<pid>-<run>`, run being the ms since the epoch of its first ring file. */
export interface RingRun {
  readonly id: string
  readonly pid: number
  readonly startedMs: number
  readonly rings: readonly RingFileHeader[]
}

const RING_FILE_NAME = /^(\d+)-(\d+)-(\d+)\.ring$/

/** The runs in `dir`, oldest first. */
export function listRingRuns(dir: string): RingRun[] {
  let names: string[]
  try {
    if (!statSync(dir).isDirectory()) throw new RecoverError('NOT_A_RING_DIR', `${dir} is not a directory`)
    names = readdirSync(dir)
  } catch (error) {
    if (error instanceof RecoverError) throw error
    throw new RecoverError('NOT_A_RING_DIR', `cannot read the ring directory ${dir}: ${(error as Error).message}`)
  }
  const runs = new Map<string, { pid: number; startedMs: number; rings: RingFileHeader[] }>()
  for (const name of names.sort()) {
    const match = RING_FILE_NAME.exec(name)
    if (match === null) continue
    const header = readRingHeader(join(dir, name), Number(match[3]), Number(match[1]))
    const id = `${match[1]}-${match[2]}`
    let run = runs.get(id)
    if (run === undefined) runs.set(id, run = { pid: Number(match[1]), startedMs: Number(match[2]), rings: [] })
    run.rings.push(header)
  }
  if (runs.size === 0) throw new RecoverError('NOT_A_RING_DIR', `${dir} holds no ring files (<pid>-<run>-<ring>.ring)`)
  return [...runs].map(([id, run]) => ({ id, ...run, rings: run.rings.sort((a, b) => a.ringId - b.ringId) }))
    .sort((a, b) => a.startedMs - b.startedMs || a.pid - b.pid)
}

/** The header of the ring file at `path`, which its name says is ring `ringId` of process `pid`. */
export function readRingHeader(path: string, ringId: number, pid: number): RingFileHeader {
  const header = Buffer.alloc(RING_FILE_HEADER_BYTES)
  let size: number
  const fd = openSync(path, 'r')
  try {
    size = fstatSync(fd).size
    readSync(fd, header, 0, Math.min(size, RING_FILE_HEADER_BYTES), 0)
  } finally {
    closeSync(fd)
  }
  const bad = (offset: number, what: string) => new RecoverError('BAD_RING_FILE', what, path, offset)
  if (size < RING_FILE_HEADER_BYTES) {
    if (size < 8 || header.toString('latin1', 0, 8) !== RING_FILE_MAGIC) throw bad(0, 'not a ring file')
    throw bad(size, `the file ends inside its ${RING_FILE_HEADER_BYTES}-byte header`)
  }
  if (header.toString('latin1', 0, 8) !== RING_FILE_MAGIC) throw bad(0, 'not a ring file')
  const version = header.readUInt32LE(RING_FILE_VERSION_OFFSET)
  if (version !== RING_FILE_VERSION) {
    throw new RecoverError('RING_VERSION', `ring file format version ${version}; this ringtrace reads version ${RING_FILE_VERSION}`, path, RING_FILE_VERSION_OFFSET)
  }
  if (header.readUInt32LE(RING_FILE_HEADER_SIZE_OFFSET) !== RING_FILE_HEADER_BYTES) {
    throw bad(RING_FILE_HEADER_SIZE_OFFSET, `header size ${header.readUInt32LE(RING_FILE_HEADER_SIZE_OFFSET)}, not ${RING_FILE_HEADER_BYTES}`)
  }
  const capacity = header.readUInt32LE(RING_FILE_CAPACITY_OFFSET)
  if (capacity < MIN_RING_BYTES || capacity > MAX_RING_BYTES || (capacity & (capacity - 1)) !== 0) {
    throw bad(RING_FILE_CAPACITY_OFFSET, `impossible ring capacity ${capacity}`)
  }
  const expected = RING_FILE_HEADER_BYTES + DATA_OFFSET + capacity
  if (size !== expected) throw bad(Math.min(size, expected), `${size} bytes where a ${capacity}-byte ring has ${expected}`)
  if (header.readUInt32LE(RING_FILE_RING_ID_OFFSET) !== ringId) {
    throw bad(RING_FILE_RING_ID_OFFSET, `ring id ${header.readUInt32LE(RING_FILE_RING_ID_OFFSET)} where the file name says ${ringId}`)
  }
  if (header.readUInt32LE(RING_FILE_PID_OFFSET) !== pid) {
    throw bad(RING_FILE_PID_OFFSET, `pid ${header.readUInt32LE(RING_FILE_PID_OFFSET)} where the file name says ${pid}`)
  }
  const state = header.readUInt32LE(RING_FILE_STATE_OFFSET)
  if (state !== RING_FILE_STATE_OPEN && state !== RING_FILE_STATE_CLOSED) throw bad(RING_FILE_STATE_OFFSET, `unknown ring state ${state}`)
  return {
    path,
    metaPath: metaPathOf(path),
    ringId,
    pid,
    capacity,
    overwrite: (header.readUInt32LE(RING_FILE_FLAGS_OFFSET) & RING_FILE_FLAG_OVERWRITE) !== 0,
    closed: state === RING_FILE_STATE_CLOSED,
  }
}

/**
 * Whether process `pid` exists (signal 0 asks without signalling; EPERM: it exists, as another
 * user's). A pid the OS gave to a new process since reads as alive: `--force` is for that.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
