// Byte layout of a ring and of its records: docs/FORMAT.md sections 1 and 2, as constants.
// src/format/ring-layout.ts and src/format/record-layout.ts hold the same numbers for the TS
// side; test/format-constants.test.ts compares the two, so neither may drift from FORMAT.md.
//
//   +---------------------------+ 0
//   | producer line: writePos,  |      producer state, plain stores except writePos/tailPos
//   | tailPos, cursor, ...      |
//   +---------------------------+ 64
//   | consumer line: readPos    |      own cache line: the producer polls it only when full
//   +---------------------------+ 128
//   | coarseClock, rngState     |
//   +---------------------------+ 256
//   | eventGate[4096]           |      configuration, read per event by the producer
//   +---------------------------+ 16640
//   | data area (capacity)      |      records, 8-byte aligned, never straddling the end
//   +---------------------------+
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringtrace {

// --- Control block (FORMAT.md section 1) -----------------------------------------------------
inline constexpr std::size_t kWritePosOffset = 0;
inline constexpr std::size_t kTailPosOffset = 4;
inline constexpr std::size_t kCursorOffset = 8;
inline constexpr std::size_t kLimitOffset = 12;
inline constexpr std::size_t kSeqStateOffset = 16;
inline constexpr std::size_t kSincePublishOffset = 20;
inline constexpr std::size_t kRingFullOffset = 24;
inline constexpr std::size_t kInvalidOffset = 32;
inline constexpr std::size_t kLastTimeOffset = 40;
inline constexpr std::size_t kPendingFullOffset = 48;
inline constexpr std::size_t kPendingInvalidOffset = 56;
inline constexpr std::size_t kReadPosOffset = 64;
inline constexpr std::size_t kCoarseClockOffset = 128;
inline constexpr std::size_t kRngStateOffset = 136;
// ETW session state for tracer.isEnabled() (collector writes, JS reads; FORMAT.md section 1).
inline constexpr std::size_t kEtwSessionOffset = 144;
inline constexpr std::size_t kEtwMatchAnyOffset = 152;
inline constexpr std::size_t kEtwMatchAllOffset = 160;
inline constexpr std::uint32_t kEtwSessionFollows = 1;
inline constexpr std::uint32_t kEtwSessionOn = 2;
inline constexpr std::size_t kEventGateOffset = 256;
inline constexpr std::size_t kMaxEvents = 4096;
inline constexpr std::size_t kDataOffset = kEventGateOffset + 4 * kMaxEvents;
inline constexpr std::size_t kControlBlockBytes = kDataOffset;

inline constexpr std::uint32_t kMinRingBytes = 4096;
inline constexpr std::uint32_t kMaxRingBytes = std::uint32_t{1} << 30;
inline constexpr std::uint32_t kDefaultRingBytes = std::uint32_t{4} << 20;

inline constexpr std::uint32_t kGateAlways = 0xFFFFFFFFu;
inline constexpr std::uint32_t kGateOff = 0;

// The producer publishes writePos after this many records (and at the end of each JS turn).
inline constexpr std::uint32_t kPublishEvery = 64;

// The ring memory is 64-byte aligned so that the producer line and the consumer line are real
// cache lines (no false sharing between writePos/cursor stores and readPos stores).
inline constexpr std::size_t kRingAlignment = 64;

// --- Records (FORMAT.md section 2) -----------------------------------------------------------
inline constexpr std::uint32_t kHeaderBytes = 16;
inline constexpr std::size_t kRecordSeqOffset = 4;
inline constexpr std::size_t kRecordTimestampOffset = 8;
inline constexpr std::uint32_t kRecordAlignment = 8;

inline constexpr std::uint16_t kPaddingId = 0;
inline constexpr std::uint16_t kLostId = 0xFFFF;
inline constexpr std::uint16_t kFirstEventId = 1;

inline constexpr std::uint32_t kVarHeaderBytes = 8;
inline constexpr std::uint16_t kVarFlagTruncated = 1;

inline constexpr std::uint32_t kMaxRecordBytes = 64 * 1024;
inline constexpr std::uint32_t kDefaultMaxStringBytes = 1024;
inline constexpr std::uint32_t kMaxStringBytes = 65535;
inline constexpr std::uint32_t kMaxFields = 128;

inline constexpr std::size_t kLostRingFullOffset = 16;
inline constexpr std::size_t kLostInvalidOffset = 24;
inline constexpr std::size_t kLostPairsCountOffset = 32;
inline constexpr std::size_t kLostPairsOffset = 40;
inline constexpr std::uint32_t kLostMaxPairs = 32;
inline constexpr std::uint32_t kLostPairBytes = 8;

// word0 of a record header: size in 8-byte units in the low half, event id in the high half.
constexpr std::uint32_t record_word0(std::uint32_t size_bytes, std::uint16_t event_id) {
  return (size_bytes >> 3) | (std::uint32_t{event_id} << 16);
}
constexpr std::uint32_t record_size(std::uint32_t word0) { return (word0 & 0xFFFFu) << 3; }
constexpr std::uint16_t record_event_id(std::uint32_t word0) {
  return static_cast<std::uint16_t>(word0 >> 16);
}

// Largest record a ring of `capacity` bytes accepts; anything larger is dropped as oversize.
constexpr std::uint32_t max_record_bytes(std::uint32_t capacity) {
  return capacity / 2 < kMaxRecordBytes ? capacity / 2 : kMaxRecordBytes;
}

constexpr bool is_valid_capacity(double capacity) {
  if (!(capacity >= kMinRingBytes && capacity <= kMaxRingBytes)) return false;
  const auto c = static_cast<std::uint32_t>(capacity);
  return static_cast<double>(c) == capacity && (c & (c - 1)) == 0;
}

// --- Layout checks ---------------------------------------------------------------------------
static_assert(kDataOffset == 16640, "FORMAT.md: the data area starts at 16640");
static_assert(kDataOffset % kRingAlignment == 0, "the data area must start on a cache line");
static_assert(kPendingInvalidOffset + 8 <= kReadPosOffset,
              "producer fields must stay on the producer's cache line");
static_assert(kReadPosOffset % kRingAlignment == 0, "readPos owns its own cache line");
static_assert(kCoarseClockOffset % kRingAlignment == 0, "coarseClock starts a new cache line");
static_assert(kRngStateOffset + 4 <= kEtwSessionOffset, "rngState lies before the ETW session words");
static_assert(kEtwMatchAnyOffset % 8 == 0 && kEtwMatchAllOffset % 8 == 0 &&
                  kEtwMatchAllOffset + 8 <= kEventGateOffset,
              "the session keywords are aligned u64 words before the gates");
static_assert(kRingFullOffset % 8 == 0 && kInvalidOffset % 8 == 0 && kLastTimeOffset % 8 == 0 &&
                  kPendingFullOffset % 8 == 0 && kPendingInvalidOffset % 8 == 0 &&
                  kCoarseClockOffset % 8 == 0,
              "f64 fields are naturally aligned (std::atomic_ref needs it for coarseClock)");
static_assert(kWritePosOffset % 4 == 0 && kTailPosOffset % 4 == 0 && kReadPosOffset % 4 == 0,
              "u32 positions are naturally aligned (std::atomic_ref needs it)");
static_assert(kMaxRecordBytes >> 3 <= 0xFFFF, "a record size must fit word0's low half");
static_assert(kLostPairsOffset + kLostMaxPairs * kLostPairBytes <= kMaxRecordBytes,
              "a full LOST record is a valid record");
static_assert(kMaxRingBytes <= (std::uint32_t{1} << 30),
              "positions are rebuilt from 32 bits, which needs capacity <= 2^30");
static_assert(record_word0(24, 7) == (3u | (7u << 16)), "word0 packs size/8 and id");

}  // namespace ringtrace
