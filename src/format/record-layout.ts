// Record header constants (docs/FORMAT.md section 2).

export const HEADER_BYTES = 16
export const RECORD_SEQ_OFFSET = 4
export const RECORD_TIMESTAMP_OFFSET = 8

export const PADDING_ID = 0
export const LOST_ID = 0xffff
export const FIRST_EVENT_ID = 1

export const VAR_HEADER_BYTES = 8
export const VAR_FLAG_TRUNCATED = 1

export const MAX_RECORD_BYTES = 64 * 1024
export const DEFAULT_MAX_STRING_BYTES = 1024
export const MAX_STRING_BYTES = 65535
export const MAX_FIELDS = 128

export const LOST_RING_FULL_OFFSET = 16
export const LOST_INVALID_OFFSET = 24
export const LOST_PAIRS_COUNT_OFFSET = 32
export const LOST_PAIRS_OFFSET = 40
export const LOST_MAX_PAIRS = 32

/** word0 of a record header: size in 8-byte units in the low half, event id in the high half. */
export function recordWord0(sizeBytes: number, eventId: number): number {
  return ((sizeBytes >>> 3) | (eventId << 16)) >>> 0
}
