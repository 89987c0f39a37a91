// `ringtrace recover <dir>`: a trace file rebuilt from the ring files of a process that has gone
// (docs/flight-recorder.md). Each ring's metadata file gives the FILE, STREAM and SCHEMA chunks;
// ring-scan.ts finds the records the ring still holds and checks them; the TS backend's ring
// consumer then writes them as any drain does (EVENTS chunks, LOSS for the events that are no
// longer there, a LOST record for drops not yet reported, END with the producer's totals), so a
// recovered file is one the reader, the CLI and the store read like any other.

import { closeSync, openSync, readFileSync, readSync } from 'node:fs'
import { DEFAULT_FILE_PERMISSIONS, FileSink } from '../sinks/file-sink.js'
import { CHUNK_HEADER_BYTES, ChunkType } from '../format/file-layout.js'
import { alignUp } from '../format/layout.js'
import { CURSOR_OFFSET, DATA_OFFSET, READ_POS_OFFSET, TAIL_POS_OFFSET, WRITE_POS_OFFSET } from '../format/ring-layout.js'
import { chunksIn } from '../reader/buffer-chunks.js'
import type { RawChunk } from '../reader/chunk-framing.js'
import { compileSchema } from '../reader/event-schema.js'
import { RingConsumer } from '../ring/ring-consumer.js'
import { RecoverError } from './recover-error.js'
import { listRingRuns, processAlive, type RingFileHeader, type RingRun } from './ring-dir.js'
import { RING_FILE_HEADER_BYTES } from './ring-file-layout.js'
import { scanRing, type RingScan } from './ring-scan.js'

export interface RecoverOptions {
  /** The run to recover (`<pid>-<run>`, as the ring file names start) when the directory holds several. */
  run?: string
  /** Recover even though the process seems alive (its pid taken by a new process). */
  force?: boolean
  /** Permission bits of the output file (default 0o600). */
  permissions?: number
}

export interface RecoveredRing {
  readonly file: string
  readonly stream: number
  readonly threadName: string
  readonly onFull: 'discard' | 'overwrite'
  /** Whether the tracer had closed the ring before the process went. */
  readonly closed: boolean
  /** Event records recovered. */
  readonly events: number
  /** Ring bytes they span (padding and LOST records included). */
  readonly bytes: number
  /** Events recorded before the oldest intact record, no longer in the ring. */
  readonly before: number
  /** Events recovered from after the last published position. */
  readonly unpublished: number
  /** Whether an event being written when the process died was cut. */
  readonly torn: boolean
  /** Records that failed the checks, and the rest of the ring after them, were left out. */
  readonly damage: { readonly offset: number; readonly reason: string } | undefined
  /** The metadata file ended inside a chunk (a write cut by the kill): the chunks before it were used. */
  readonly metaCut: boolean
}

export interface RecoverReport {
  readonly run: string
  readonly pid: number
  readonly output: string
  readonly rings: readonly RecoveredRing[]
  readonly events: number
}

/** Rebuilds the trace of one process's ring files in `dir` into `output`. */
export function recoverRingDir(dir: string, output: string, options: RecoverOptions = {}): RecoverReport {
  const run = chooseRun(listRingRuns(dir), dir, options.run)
  const open = run.rings.filter((ring) => !ring.closed)
  if (open.length > 0 && options.force !== true && processAlive(run.pid)) {
    throw new RecoverError('PROCESS_ALIVE', `process ${run.pid} is still running and writing ${open.length} of these rings; recover once it has ended (or --force if that pid now belongs to another process)`, open[0]!.path)
  }
  const metas = run.rings.map(readMeta)
  const sink = FileSink.acquire(output, true, metas[0]!.file, { permissions: options.permissions ?? DEFAULT_FILE_PERMISSIONS, followSymlinks: false })
  const rings: RecoveredRing[] = []
  try {
    run.rings.forEach((header, i) => rings.push(recoverRing(header, metas[i]!, sink)))
  } finally {
    sink.release()
  }
  const failure = sink.takeFailure()
  if (failure !== null) throw new RecoverError('BAD_RING_FILE', `cannot write ${output}: ${failure.message}`)
  return { run: run.id, pid: run.pid, output, rings, events: rings.reduce((sum, ring) => sum + ring.events, 0) }
}

function chooseRun(runs: readonly RingRun[], dir: string, wanted: string | undefined): RingRun {
  if (wanted !== undefined) {
    const run = runs.find((r) => r.id === wanted)
    if (run === undefined) throw new RecoverError('UNKNOWN_RUN', `${dir} has no run ${wanted}; it has ${runs.map((r) => r.id).join(', ')}`)
    return run
  }
  if (runs.length > 1) {
    const list = runs.map((r) => `${r.id} (started ${new Date(r.startedMs).toISOString()}, ${r.rings.length} ring${r.rings.length === 1 ? '' : 's'})`)
    throw new RecoverError('SEVERAL_RUNS', `${dir} holds the rings of ${runs.length} processes; choose one with --run: ${list.join('; ')}`)
  }
  return runs[0]!
}

interface RingMeta {
  file: Uint8Array
  stream: Uint8Array
  threadName: string
  schemas: Uint8Array[]
  fixedEnd: Map<number, number>
  cut: boolean
}

/** The metadata file's chunks: FILE, the ring's STREAM, then its SCHEMAs. */
function readMeta(ring: RingFileHeader): RingMeta {
  let bytes: Buffer
  try {
    bytes = readFileSync(ring.metaPath)
  } catch (error) {
    throw new RecoverError('BAD_RING_FILE', `the ring's metadata file cannot be read: ${(error as Error).message}`, ring.metaPath)
  }
  const chunks: RawChunk[] = []
  let cut = false
  try {
    for (const chunk of chunksIn(bytes, 0)) chunks.push(chunk)
  } catch (error) {
    const damage = error as { code?: string; offset?: number; message: string }
    // A schema append the kill cut short: no record of that event can exist (its trace
    // function did not), so the chunks before it are the whole metadata.
    if (damage.code !== 'TRUNCATED' || chunks.length < 2) throw new RecoverError('BAD_RING_FILE', damage.message, ring.metaPath, damage.offset)
    cut = true
  }
  const whole = (chunk: RawChunk) => chunk.bytes.subarray(chunk.start - CHUNK_HEADER_BYTES, chunk.start + alignUp(chunk.length, 8))
  const json = (chunk: RawChunk): Record<string, unknown> => {
    try {
      return JSON.parse(chunk.bytes.toString('utf8', chunk.start, chunk.start + chunk.length)) as Record<string, unknown>
    } catch {
      throw new RecoverError('BAD_RING_FILE', 'a metadata chunk that is not JSON', ring.metaPath, chunk.offset)
    }
  }
  if (chunks.length < 2 || chunks[0]!.type !== ChunkType.File || chunks[1]!.type !== ChunkType.Stream) {
    throw new RecoverError('BAD_RING_FILE', 'the metadata file does not start with FILE and STREAM chunks', ring.metaPath, 0)
  }
  const stream = json(chunks[1]!)
  if (stream.stream !== ring.ringId) {
    throw new RecoverError('BAD_RING_FILE', `the STREAM chunk is for stream ${String(stream.stream)}, not ring ${ring.ringId}`, ring.metaPath, chunks[1]!.offset)
  }
  const fixedEnd = new Map<number, number>()
  const schemas: Uint8Array[] = []
  for (const chunk of chunks.slice(2)) {
    if (chunk.type !== ChunkType.Schema) throw new RecoverError('BAD_RING_FILE', `a chunk of type ${chunk.type} among the schemas`, ring.metaPath, chunk.offset)
    const schema = compileSchema(json(chunk), false)
    if (typeof schema === 'string') throw new RecoverError('BAD_RING_FILE', `an unusable schema: ${schema}`, ring.metaPath, chunk.offset)
    fixedEnd.set(schema.id, schema.fixedEnd)
    schemas.push(whole(chunk))
  }
  return {
    file: whole(chunks[0]!),
    stream: whole(chunks[1]!),
    threadName: typeof stream.threadName === 'string' ? stream.threadName : `stream ${ring.ringId}`,
    schemas,
    fixedEnd,
    cut,
  }
}

function recoverRing(header: RingFileHeader, meta: RingMeta, sink: FileSink): RecoveredRing {
  const buffer = new ArrayBuffer(DATA_OFFSET + header.capacity)
  const fd = openSync(header.path, 'r')
  try {
    let done = 0
    while (done < buffer.byteLength) {
      const n = readSync(fd, new Uint8Array(buffer, done), 0, buffer.byteLength - done, RING_FILE_HEADER_BYTES + done)
      if (n === 0) throw new RecoverError('BAD_RING_FILE', 'the ring file ended while it was read', header.path, RING_FILE_HEADER_BYTES + done)
      done += n
    }
  } finally {
    closeSync(fd)
  }
  const u32 = new Uint32Array(buffer)
  const scan = scanRing({ u32, capacity: header.capacity, overwrite: header.overwrite, fixedEnd: meta.fixedEnd })
  settle(u32, scan)
  sink.writeKept(meta.stream)
  for (const schema of meta.schemas) sink.writeKept(schema)
  const consumer = new RingConsumer(buffer, header.capacity, header.overwrite, header.ringId, sink)
  consumer.startAt(scan.start)
  consumer.close()
  return {
    file: header.path,
    stream: header.ringId,
    threadName: meta.threadName,
    onFull: header.overwrite ? 'overwrite' : 'discard',
    closed: header.closed,
    events: scan.events,
    bytes: (scan.end - scan.start) >>> 0,
    before: scan.firstSeq,
    unpublished: scan.unpublished,
    torn: scan.torn !== undefined,
    damage: scan.damage === undefined ? undefined : { offset: RING_FILE_HEADER_BYTES + DATA_OFFSET + scan.damage.offset, reason: scan.damage.reason },
    metaCut: meta.cut,
  }
}

/**
 * The copy's positions as a stopped producer with everything consumed up to `start` would leave
 * them, its records [start, end): what RingConsumer#close drains. The producer's counters
 * (seqState, ringFull, invalid, the pending LOST) stay as they were, so END carries its totals.
 */
function settle(u32: Uint32Array, scan: RingScan): void {
  u32[CURSOR_OFFSET >> 2] = scan.end
  u32[WRITE_POS_OFFSET >> 2] = scan.end
  u32[TAIL_POS_OFFSET >> 2] = scan.start
  u32[READ_POS_OFFSET >> 2] = scan.start
}
