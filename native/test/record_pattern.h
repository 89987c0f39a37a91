// Test records whose every byte is a function of their sequence number, so a consumer can check
// a record it receives without any shared state with the producer.
#pragma once

#include <cstdint>
#include <cstring>

#include "check.h"
#include "ring/ring_consumer.h"
#include "ring/ring_layout.h"
#include "ring/ring_producer.h"

namespace ringtrace::test {

inline std::uint32_t mix(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  x ^= x >> 16;
  return x;
}

inline std::uint16_t pattern_id(std::uint32_t seq) {
  return static_cast<std::uint16_t>(1 + seq % 4095);
}

// Mostly small records (16..264 bytes), one in 256 up to `max_size` (a multiple of 8, >= 24).
inline std::uint32_t pattern_size(std::uint32_t seq, std::uint32_t max_size) {
  const std::uint32_t h = mix(seq);
  const std::uint32_t max_units = max_size / 8 - 2;
  const std::uint32_t units = (h & 255) == 0 ? (h >> 8) % max_units : (h >> 8) % 32;
  return kHeaderBytes + 8 * (units < max_units ? units : max_units);
}

// Byte i of a record's body: a per-record start value (so a record from another lap differs)
// plus a stride (so a shifted copy differs).
inline std::uint8_t pattern_byte(std::uint32_t seed, std::uint32_t i) {
  return static_cast<std::uint8_t>(seed + i * 13);
}

inline void pattern_fill(std::uint8_t* body, std::uint32_t size, std::uint32_t seq) {
  const std::uint32_t seed = mix(seq);
  for (std::uint32_t i = 0; i < size; ++i) body[i] = pattern_byte(seed, i);
}

// Writes the producer's next event as the pattern makes it (id, size and bytes from its seq).
inline void write_pattern_event(RingProducer& producer, std::uint32_t max_size) {
  const std::uint32_t seq = producer.next_seq();
  producer.write_event(pattern_id(seq), seq, pattern_size(seq, max_size), pattern_fill);
}

// Totals of what a consumer took, for the written == delivered + lost check.
struct Tally {
  std::uint64_t events = 0;
  std::uint64_t overwritten = 0;
  double ring_full = 0;
  double invalid = 0;
  std::uint64_t padding = 0;
  std::uint64_t lost_records = 0;
  std::uint64_t next_seq = 0;  // 64-bit seq the next event should carry, gaps included
};

// Checks every record of a slice: sizes, ids and payload bytes from the seq, seqs consecutive
// except for the gap the slice reports (only before its first event), LOST records well formed.
inline void check_slice(const DrainSlice& slice, std::uint32_t max_size, Tally& tally) {
  const std::uint8_t* p = slice.records.data();
  std::size_t at = 0;
  std::uint64_t gap_left = slice.overwritten;
  std::uint64_t events = 0;
  while (at < slice.records.size()) {
    std::uint32_t word0;
    std::memcpy(&word0, p + at, 4);
    const std::uint32_t size = record_size(word0);
    const std::uint16_t id = record_event_id(word0);
    CHECK(size >= 8 && at + size <= slice.records.size());
    if (id == kPaddingId) {
      ++tally.padding;
    } else if (id == kLostId) {
      double full, invalid;
      std::uint32_t pairs;
      std::memcpy(&full, p + at + kLostRingFullOffset, 8);
      std::memcpy(&invalid, p + at + kLostInvalidOffset, 8);
      std::memcpy(&pairs, p + at + kLostPairsCountOffset, 4);
      CHECK(full + invalid >= 1);
      CHECK(pairs >= 1 && pairs <= kLostMaxPairs);
      CHECK_EQ(size, kLostPairsOffset + pairs * kLostPairBytes);
      double itemised = 0;
      for (std::uint32_t i = 0; i < pairs; ++i) {
        std::uint32_t count;
        std::memcpy(&count, p + at + kLostPairsOffset + i * 8 + 4, 4);
        itemised += count;
      }
      CHECK(itemised <= full + invalid);
      tally.ring_full += full;
      tally.invalid += invalid;
      ++tally.lost_records;
    } else {
      std::uint32_t seq;
      double time;
      std::memcpy(&seq, p + at + kRecordSeqOffset, 4);
      std::memcpy(&time, p + at + kRecordTimestampOffset, 8);
      const std::uint64_t expected = tally.next_seq + gap_left;
      CHECK_EQ(seq, static_cast<std::uint32_t>(expected));
      gap_left = 0;
      tally.next_seq = expected + 1;
      CHECK_EQ(id, pattern_id(seq));
      CHECK_EQ(size, pattern_size(seq, max_size));
      CHECK_EQ(time, static_cast<double>(expected));
      const std::uint32_t seed = mix(seq);
      for (std::uint32_t i = 0; i < size - kHeaderBytes; ++i) {
        if (p[at + kHeaderBytes + i] != pattern_byte(seed, i)) {
          std::fprintf(stderr, "payload byte %u of seq %u differs\n", i, seq);
          CHECK(false);
        }
      }
      ++events;
    }
    at += size;
  }
  // A gap with no event after it (everything before `end` overwritten) is still a gap.
  tally.next_seq += gap_left;
  CHECK_EQ(events, slice.events);
  tally.events += slice.events;
  tally.overwritten += slice.overwritten;
}

}  // namespace ringtrace::test
