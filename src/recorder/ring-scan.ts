// Finds what a ring file still holds once its process has gone: the oldest record that is intact,
// the last one that is complete, and every record in between checked (docs/flight-recorder.md,
// "How recover reads a ring").
//
// Design:
// - The producer's control-block fields are plain stores made in program order, and the mapping
//   keeps every store made before the process died. The cursor is stored after a record's bytes,
//   its header and its seq: every record before the cursor is complete, including those after
//   the last published writePos. A record being written when the process died lies at the
//   cursor: it is cut, and reported when its header already shows (seq == seqState - 1).
// - Positions [cursor - capacity, cursor) are intact in either full-ring policy: a position is
//   only written again a capacity later. The oldest intact record is the first record boundary
//   at or after cursor - capacity. Only the current lap's start (offset 0) is known to be a
//   boundary, so the previous lap's rest is searched: the first 8-aligned position from which
//   valid records run exactly to the lap's start, their seqs consecutive and continuing into the
//   current lap, is the start. The search leaves out the bytes the producer may have written
//   past the cursor, [cursor, limit) a lap earlier: the record being written at the kill may
//   have stored its fields there under an old header that still reads as valid. tailPos
//   (overwrite) and readPos (discard) are known boundaries too, and bound the search.
// - A record is valid when its size fits the ring, its id is padding (running exactly to the
//   end of the data area), LOST, or an event the metadata file declares with at least its fixed
//   size, and its seq is the one after the previous event's. Nothing else is ever decoded: a
//   record that fails ends the walk, and the rest is reported, never read as events.

import { CURSOR_OFFSET, DATA_OFFSET, LIMIT_OFFSET, MAX_EVENTS, READ_POS_OFFSET, SEQ_STATE_OFFSET, TAIL_POS_OFFSET, WRITE_POS_OFFSET } from '../format/ring-layout.js'
import { HEADER_BYTES, LOST_ID, LOST_PAIRS_OFFSET, MAX_RECORD_BYTES, PADDING_ID } from '../format/record-layout.js'

/** The control block and data area of a ring, as typed arrays over one copy of its bytes. */
export interface RingImage {
  readonly u32: Uint32Array
  readonly capacity: number
  readonly overwrite: boolean
  /** Smallest record size of each declared event id (its header and fixed fields). */
  readonly fixedEnd: ReadonlyMap<number, number>
}

export interface RingScan {
  /** Position of the oldest intact record. */
  readonly start: number
  /** Position after the last complete, valid record. */
  readonly end: number
  /** Event records in [start, end). */
  readonly events: number
  /** Seq of the first event record (the events before it are no longer in the ring), or the next seq when there is none. */
  readonly firstSeq: number
  /** Event records after the last published writePos, recovered all the same. */
  readonly unpublished: number
  /** The record that was being written when the process died, cut: its position, or undefined. */
  readonly torn: number | undefined
  /** Why the walk stopped before the cursor, and where (data-area offset), when it did. */
  readonly damage: { readonly offset: number; readonly reason: string } | undefined
}

/** What the walk reads: the ring, and each event id's smallest record size (0: undeclared). */
interface WalkedRing {
  readonly u32: Uint32Array
  readonly capacity: number
  readonly minSize: Uint32Array
}

interface Walk {
  end: number
  events: number
  firstSeq: number | undefined
  nextSeq: number | undefined
  reason: string | undefined
}

export function scanRing(image: RingImage): RingScan {
  // Per record, a typed-array load instead of a Map lookup: the walk is most of a big ring's scan.
  const minSize = new Uint32Array(MAX_EVENTS)
  for (const [id, fixedEnd] of image.fixedEnd) minSize[id] = Math.max(fixedEnd, HEADER_BYTES)
  const ring: WalkedRing = { u32: image.u32, capacity: image.capacity, minSize }
  const { u32, capacity } = ring
  const overwrite = image.overwrite
  const mask = capacity - 1
  const cursor = u32[CURSOR_OFFSET >> 2]!
  const seqState = u32[SEQ_STATE_OFFSET >> 2]!
  const lapStart = cursor - (cursor & mask)
  // The current lap, from its start (always a boundary) to the cursor: what the previous lap's
  // search must continue into.
  const lap = walk(ring, lapStart, cursor & mask)
  const link = lap.firstSeq ?? seqState
  let start = lapStart
  let all = lap
  // first seq 0 in this lap: no event came before it, there is no earlier lap to search.
  if (lap.firstSeq !== 0) {
    const known = overwrite ? u32[TAIL_POS_OFFSET >> 2]! : u32[READ_POS_OFFSET >> 2]!
    // How far back from the lap's start the search may go, and the known boundary within it. The
    // producer writes past the cursor only within [cursor, limit) (a padding header: 8 bytes),
    // so the previous lap's bytes there may hold a torn record's fields under an old header.
    const ahead = (u32[LIMIT_OFFSET >> 2]! - cursor) >>> 0
    const clobbered = Math.max(8, ahead <= capacity ? ahead : 8)
    const back = capacity - (cursor & mask) - clobbered
    const knownBack = (lapStart - known) >>> 0
    const knownAt = knownBack > 0 && knownBack <= back ? knownBack : 0
    for (let k = back & ~7; k >= 8 && start === lapStart; k -= 8) {
      const from = lapStart - k
      const chain = walk(ring, from, k)
      if (chain.reason === undefined && chain.end === lapStart && (chain.nextSeq === undefined || chain.nextSeq === link)) {
        start = from
        // The chain and the current lap, one walk from start to the cursor.
        all = { ...lap, events: chain.events + lap.events, firstSeq: chain.firstSeq ?? lap.firstSeq, nextSeq: lap.nextSeq ?? chain.nextSeq }
      }
      if (k === knownAt) break
    }
  }
  const end = all.end
  const nextSeq = all.nextSeq ?? link
  // The record at the cursor whose header and seq were stored, but not the cursor.
  let torn: number | undefined
  if (all.reason === undefined && ((seqState - nextSeq) >>> 0) === 1) {
    const o = DATA_OFFSET + (cursor & mask)
    if (u32[(o >> 2) + 1] === ((seqState - 1) >>> 0) && (u32[o >> 2]! >>> 16) !== PADDING_ID) torn = cursor >>> 0
  }
  const published = u32[WRITE_POS_OFFSET >> 2]!
  const unpublishedFrom = ((published - start) >>> 0) <= ((end - start) >>> 0) ? published : end
  return {
    start: start >>> 0,
    end: end >>> 0,
    events: all.events,
    firstSeq: all.firstSeq ?? nextSeq,
    unpublished: walk(ring, unpublishedFrom, (end - unpublishedFrom) >>> 0).events,
    torn,
    damage: all.reason === undefined ? undefined : { offset: end & mask, reason: all.reason },
  }
}

/**
 * Checks records from position `from` over `length` bytes; stops before the first that fails or
 * would run past `from + length`.
 */
function walk(ring: WalkedRing, from: number, length: number): Walk {
  const { u32, capacity, minSize } = ring
  const mask = capacity - 1
  const maxRecord = Math.min(MAX_RECORD_BYTES, capacity / 2)
  let events = 0
  let nextSeq: number | undefined
  let first: number | undefined
  let d = 0
  while (d < length) {
    const offset = (from + d) & mask
    const o = DATA_OFFSET + offset
    const word0 = u32[o >> 2]!
    const size = (word0 & 0xffff) << 3
    const id = word0 >>> 16
    let reason: string | undefined
    if (size === 0) reason = 'a record of size 0'
    else if (size > length - d) reason = `a record of ${size} bytes that runs past the cursor`
    else if (id === PADDING_ID) {
      if (offset + size !== capacity) reason = `padding of ${size} bytes that does not end the data area`
    } else if (id === LOST_ID) {
      if (size < LOST_PAIRS_OFFSET || offset + size > capacity) reason = `a LOST record of ${size} bytes`
    } else {
      const min = minSize[id] ?? 0
      const seq = u32[(o >> 2) + 1]!
      if (min === 0) reason = `a record of event id ${id}, which the metadata does not declare`
      else if (size < min || size > maxRecord || offset + size > capacity) reason = `a record of event id ${id} with an impossible size ${size}`
      else if (nextSeq !== undefined && seq !== nextSeq) reason = `seq ${seq} where ${nextSeq} was next`
      else {
        first ??= seq
        nextSeq = (seq + 1) >>> 0
        events++
      }
    }
    if (reason !== undefined) return { end: from + d, events, firstSeq: first, nextSeq, reason }
    d += size
  }
  return { end: from + d, events, firstSeq: first, nextSeq, reason: undefined }
}
