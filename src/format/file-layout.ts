// Trace file chunk constants (docs/FORMAT.md section 3).

export const CHUNK_TAG = 0x48435452
export const CHUNK_HEADER_BYTES = 16
export const FILE_MAGIC = Uint8Array.of(0x52, 0x54, 0x52, 0x43, 0x0d, 0x0a, 0x1a, 0x0a)
export const FORMAT_VERSION = 1

export const ChunkType = {
  File: 1,
  Stream: 2,
  Schema: 3,
  Events: 4,
  Loss: 5,
  End: 6,
  /** A stream's exporter counters at close (JSON; docs/FORMAT.md section 3). */
  Export: 7,
} as const
export type ChunkType = (typeof ChunkType)[keyof typeof ChunkType]

/** LOSS reasons (docs/FORMAT.md section 3): the producer overwrote them; the consumer could not put them in the file. */
export const LOSS_REASON_OVERWRITTEN = 1
export const LOSS_REASON_UNWRITTEN = 2

/** EVENTS chunks are cut at record boundaries once their payload passes this size. */
export const MAX_EVENTS_PAYLOAD = 4 << 20
