// Single-thread round trips through a ring: exact bytes, padding at the wrap, LOST records in
// discard mode, seq gaps in overwrite mode, and a corrupt header that must not hang the consumer.
#include <cstdio>
#include <cstring>
#include <vector>

#include "check.h"
#include "record_pattern.h"
#include "ring/ring_consumer.h"
#include "ring/ring_memory.h"
#include "ring/ring_producer.h"

using namespace ringtrace;
using namespace ringtrace::test;

namespace {

struct Ring {
  Ring(std::uint32_t capacity, bool overwrite)
      : memory(capacity, overwrite),
        producer(memory.block(), capacity, overwrite),
        consumer(memory.block(), capacity, overwrite),
        scratch(RingConsumer::slice_bytes(capacity) / 8),
        max_size(max_record_bytes(capacity)) {}

  // Writes one pattern record; true when the producer took it.
  bool write() {
    const std::uint32_t seq = producer.next_seq();
    return producer.write_event(pattern_id(seq), seq, pattern_size(seq, max_size),
                                pattern_fill);
  }

  void drain() {
    const std::uint64_t end = consumer.published_end();
    DrainSlice slice;
    while (consumer.next_slice(end, scratch, slice)) check_slice(slice, max_size, tally);
  }

  RingMemory memory;
  RingProducer producer;
  RingConsumer consumer;
  std::vector<std::uint64_t> scratch;
  std::uint32_t max_size;
  Tally tally;
};

void round_trips_records_across_many_wraps() {
  Ring ring(4096, false);
  for (int i = 0; i < 20000; ++i) {
    CHECK(ring.write());
    if (i % 3 == 0) {
      ring.producer.publish();
      ring.drain();
    }
  }
  ring.producer.publish();
  ring.drain();
  CHECK_EQ(ring.tally.events, 20000u);
  CHECK_EQ(ring.tally.overwritten, 0u);
  CHECK(ring.tally.padding > 0);
  CHECK_EQ(ring.tally.lost_records, 0u);
}

// What a drain delivered, counted from the records themselves (no payload pattern: the sizes
// below are chosen, not pattern_size()).
struct Delivered {
  std::uint64_t events = 0;
  std::uint64_t lost_records = 0;
  double ring_full = 0;
  double invalid = 0;
};

void drain_counting(Ring& ring, Delivered& out) {
  const std::uint64_t end = ring.consumer.published_end();
  DrainSlice slice;
  while (ring.consumer.next_slice(end, ring.scratch, slice)) {
    out.events += slice.events;
    out.ring_full += slice.lost_ring_full;
    out.invalid += slice.lost_invalid;
    for (std::size_t at = 0; at < slice.records.size();) {
      std::uint32_t word0;
      std::memcpy(&word0, slice.records.data() + at, 4);
      if (record_event_id(word0) == kLostId) ++out.lost_records;
      at += record_size(word0);
    }
  }
}

// As the JS producer: the write after a drop first writes the LOST record, on its own; when the
// event does not fit after it, the event is dropped and goes in the next LOST record.
void writes_the_lost_record_alone_at_the_next_write() {
  Ring ring(4096, false);
  auto write = [&](std::uint32_t size) {
    return ring.producer.write_event(1, 0, size, pattern_fill);
  };
  for (int i = 0; i < 7; ++i) CHECK(write(512));
  CHECK(write(456));  // 56 bytes left
  CHECK(!write(512));
  ring.producer.drop_invalid(7);
  ProducerTotals pending = ring.consumer.totals_at_teardown();
  CHECK_EQ(pending.pending_full, 1.0);
  CHECK_EQ(pending.pending_invalid, 1.0);
  // The LOST record for ids 1 and 7 (40 + 2 * 8 = 56 bytes) fits; the event after it does not
  // and is pending for the next LOST record.
  CHECK(!write(512));
  pending = ring.consumer.totals_at_teardown();
  CHECK_EQ(pending.pending_full, 1.0);
  CHECK_EQ(pending.pending_invalid, 0.0);
  ring.producer.publish();
  Delivered delivered;
  drain_counting(ring, delivered);
  CHECK_EQ(delivered.lost_records, 1u);
  CHECK_EQ(delivered.ring_full, 1.0);
  CHECK_EQ(delivered.invalid, 1.0);
  CHECK_EQ(delivered.events, 8u);
  CHECK(write(512));
  ring.producer.publish();
  drain_counting(ring, delivered);
  CHECK_EQ(delivered.lost_records, 2u);
  CHECK_EQ(delivered.ring_full, 2.0);
  CHECK_EQ(delivered.events, 9u);
  const ProducerTotals totals = ring.consumer.totals_at_teardown();
  CHECK_EQ(totals.ring_full, 2.0);
  CHECK_EQ(totals.invalid, 1.0);
  CHECK_EQ(delivered.invalid, 1.0);
  CHECK_EQ(totals.pending_full + totals.pending_invalid, 0.0);
}

void drops_oversize_records_as_invalid() {
  Ring ring(4096, false);
  CHECK(!ring.producer.write_event(3, 0, 4096, pattern_fill));
  CHECK(ring.write());
  ring.producer.publish();
  ring.drain();
  CHECK_EQ(ring.tally.invalid, 1.0);
  CHECK_EQ(ring.tally.events, 1u);
}

void counts_overwritten_events_from_the_seq_gap() {
  Ring ring(4096, true);
  const int total = 5000;
  for (int i = 0; i < total; ++i) CHECK(ring.write());
  ring.producer.publish();
  ring.drain();
  CHECK(ring.tally.overwritten > 0);
  CHECK_EQ(ring.tally.events + ring.tally.overwritten, static_cast<std::uint64_t>(total));
  // Lapping again between drains, with drains in between too.
  for (int i = 0; i < total; ++i) {
    CHECK(ring.write());
    if (i % 500 == 0) {
      ring.producer.publish();
      ring.drain();
    }
  }
  ring.producer.publish();
  ring.drain();
  CHECK_EQ(ring.tally.events + ring.tally.overwritten, static_cast<std::uint64_t>(2 * total));
  CHECK_EQ(ring.consumer.totals_at_teardown().events, static_cast<std::uint64_t>(2 * total));
}

void drains_unpublished_records_up_to_the_cursor_at_teardown() {
  Ring ring(4096, false);
  for (int i = 0; i < 5; ++i) CHECK(ring.write());
  ring.drain();
  CHECK_EQ(ring.tally.events, 0u);
  DrainSlice slice;
  const std::uint64_t end = ring.consumer.cursor_end_at_teardown();
  while (ring.consumer.next_slice(end, ring.scratch, slice)) {
    check_slice(slice, ring.max_size, ring.tally);
  }
  CHECK_EQ(ring.tally.events, 5u);
}

void skips_a_corrupt_header_without_hanging() {
  Ring ring(4096, false);
  for (int i = 0; i < 4; ++i) CHECK(ring.write());
  ring.producer.publish();
  // Size 0 in the second record's header.
  const std::uint32_t first = pattern_size(0, ring.max_size);
  std::uint32_t bad = record_word0(0, 5);
  std::memcpy(ring.memory.block() + kDataOffset + first, &bad, 4);
  DrainSlice slice;
  const std::uint64_t end = ring.consumer.published_end();
  std::uint64_t corrupt = 0;
  std::uint64_t events = 0;
  while (ring.consumer.next_slice(end, ring.scratch, slice)) {
    corrupt += slice.corrupt_bytes;
    events += slice.events;
  }
  CHECK_EQ(events, 1u);
  CHECK(corrupt > 0);
  CHECK_EQ(ring.consumer.read_position(), end);
}

// Drains until next_slice() says nothing is left, as the collector does (stopping at a
// resynchronisation); a consumer that loops fails the bound instead of hanging the test.
struct CorruptDrain {
  std::uint64_t events = 0;
  std::uint64_t corrupt_bytes = 0;
  std::uint64_t lost_corrupt = 0;
  int slices = 0;
};

CorruptDrain drain_corrupt(Ring& ring) {
  CorruptDrain result;
  DrainSlice slice;
  const std::uint64_t end = ring.consumer.published_end();
  while (ring.consumer.next_slice(end, ring.scratch, slice)) {
    CHECK(++result.slices < 100);
    result.events += slice.events;
    result.corrupt_bytes += slice.corrupt_bytes;
    result.lost_corrupt += slice.lost_corrupt;
    if (slice.corrupt) break;
  }
  return result;
}

// A size past kMaxRecordBytes can never fit a slice: before, the consumer parsed nothing, kept
// readPos and returned true forever (the collector's wedge).
void skips_a_header_larger_than_any_record() {
  Ring ring(1 << 16, false);
  for (int i = 0; i < 4; ++i) CHECK(ring.write());
  ring.producer.publish();
  const std::uint32_t first = pattern_size(0, ring.max_size);
  const std::uint32_t bad = record_word0(0xFFFF * 8, 5);
  std::memcpy(ring.memory.block() + kDataOffset + first, &bad, 4);
  const CorruptDrain result = drain_corrupt(ring);
  CHECK_EQ(result.events, 1u);
  CHECK(result.corrupt_bytes > 0);
  // The producer goes on; the next good record's seq gap is the corrupt loss.
  for (int i = 0; i < 2; ++i) CHECK(ring.write());
  ring.producer.publish();
  const CorruptDrain after = drain_corrupt(ring);
  CHECK_EQ(after.events, 2u);
  CHECK_EQ(after.lost_corrupt, 3u);
  CHECK_EQ(after.corrupt_bytes, 0u);
}

// A writePos that moved backwards rebuilds as ~4 GiB ahead of readPos: the consumer must not
// read the ring over and over as if it held that much; it resynchronises at writePos.
void resynchronises_when_write_pos_moves_backwards() {
  for (const bool overwrite : {false, true}) {
    Ring ring(4096, overwrite);
    for (int i = 0; i < 6; ++i) CHECK(ring.write());
    ring.producer.publish();
    ring.drain();
    const std::uint32_t write_pos = load_plain<std::uint32_t>(ring.memory.block(), kWritePosOffset);
    atomic_u32(ring.memory.block(), kWritePosOffset)
        .store(write_pos - 64, std::memory_order_release);
    const CorruptDrain result = drain_corrupt(ring);
    CHECK_EQ(result.events, 0u);
    CHECK_EQ(result.corrupt_bytes, 64u);
    CHECK_EQ(static_cast<std::uint32_t>(ring.consumer.read_position()), write_pos - 64);
    DrainSlice nothing;
    CHECK(!ring.consumer.next_slice(ring.consumer.published_end(), ring.scratch, nothing));
  }
}

}  // namespace

int main() {
  round_trips_records_across_many_wraps();
  writes_the_lost_record_alone_at_the_next_write();
  drops_oversize_records_as_invalid();
  counts_overwritten_events_from_the_seq_gap();
  drains_unpublished_records_up_to_the_cursor_at_teardown();
  skips_a_corrupt_header_without_hanging();
  skips_a_header_larger_than_any_record();
  resynchronises_when_write_pos_moves_backwards();
  std::puts("ring_roundtrip_test: ok");
  return 0;
}
