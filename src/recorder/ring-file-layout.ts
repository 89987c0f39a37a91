// The ring-file header (docs/FORMAT.md section 6), as constants: native/recorder/ring_file.h
// holds the same numbers for the addon that writes it; test/format-constants.test.ts compares
// the two.

export const RING_FILE_MAGIC = 'RTRCRING'
export const RING_FILE_VERSION = 1
export const RING_FILE_HEADER_BYTES = 4096
export const RING_FILE_VERSION_OFFSET = 8
export const RING_FILE_HEADER_SIZE_OFFSET = 12
export const RING_FILE_CAPACITY_OFFSET = 16
export const RING_FILE_FLAGS_OFFSET = 20
export const RING_FILE_RING_ID_OFFSET = 24
export const RING_FILE_PID_OFFSET = 28
export const RING_FILE_STATE_OFFSET = 32
export const RING_FILE_FLAG_OVERWRITE = 1
export const RING_FILE_STATE_OPEN = 1
export const RING_FILE_STATE_CLOSED = 2
