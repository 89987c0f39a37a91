// Byte layout of a ring: control block then data area. docs/FORMAT.md section 1 is the source of
// truth; native/ring/ring_layout.h holds the same numbers and test/format-constants.test.ts
// compares them.

export const WRITE_POS_OFFSET = 0
export const TAIL_POS_OFFSET = 4
export const READ_POS_OFFSET = 64
export const COARSE_CLOCK_OFFSET = 128
export const EVENT_GATE_OFFSET = 256
export const MAX_EVENTS = 4096
export const DATA_OFFSET = EVENT_GATE_OFFSET + 4 * MAX_EVENTS

export const MIN_RING_BYTES = 4096
export const MAX_RING_BYTES = 1 << 30
export const DEFAULT_RING_BYTES = 4 << 20

/** Gate value meaning "always write" (no sampling). */
export const GATE_ALWAYS = 0xffffffff
export const GATE_OFF = 0

/** The producer publishes writePos after this many records (and at the end of each JS turn). */
export const PUBLISH_EVERY = 64

// Producer state (plain loads and stores by the producing thread; see docs/FORMAT.md).
export const CURSOR_OFFSET = 8
export const LIMIT_OFFSET = 12
export const SEQ_STATE_OFFSET = 16
export const SINCE_PUBLISH_OFFSET = 20
export const RING_FULL_OFFSET = 24
export const INVALID_OFFSET = 32
export const LAST_TIME_OFFSET = 40
export const PENDING_FULL_OFFSET = 48
export const PENDING_INVALID_OFFSET = 56
export const RNG_STATE_OFFSET = 136

// ETW session state, written by the collector for rings whose gates follow ETW sessions, read by
// tracer.isEnabled(): bit 0 follows sessions, bit 1 a session is on, bits 8..15 its level.
export const ETW_SESSION_OFFSET = 144
export const ETW_MATCH_ANY_OFFSET = 152
export const ETW_MATCH_ALL_OFFSET = 160
export const ETW_SESSION_FOLLOWS = 1
export const ETW_SESSION_ON = 2
