// Two-thread sequence fuzz: a producer thread writes records of random sizes (payload derived
// from the seq) while a consumer thread drains concurrently, sometimes slowly so the ring fills
// (discard) or laps (overwrite). Every delivered record must be intact, seqs must increase, and
// at the end written == delivered + lost, exactly. Each policy also runs once on a ring file
// (recorder/ring_file.h, as createTracer's ringDir maps it), so the sanitizers see that memory too.
//
// Usage: ring_fuzz_test [records per run]   (default 5,000,000)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "record_pattern.h"
#include "recorder/ring_file.h"
#include "ring/ring_consumer.h"
#include "ring/ring_memory.h"
#include "ring/ring_producer.h"

using namespace ringtrace;
using namespace ringtrace::test;

namespace {

// Heap memory, or a mapped ring file whose name is gone at once (the mapping keeps it).
std::unique_ptr<RingMemory> make_memory(std::uint32_t capacity, bool overwrite, bool file_backed) {
  if (!file_backed) return std::make_unique<RingMemory>(capacity, overwrite);
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/ring_fuzz_test-" +
                           std::to_string(capacity) + (overwrite ? "-o" : "-d") + ".ring";
  std::remove(path.c_str());
  std::string error;
  std::shared_ptr<RingFile> file =
      RingFile::create(path, kRingFileHeaderBytes + kControlBlockBytes + capacity, 0600, error);
  if (!file) std::fprintf(stderr, "%s\n", error.c_str());
  CHECK(file != nullptr);
  std::remove(path.c_str());
  std::uint8_t* block = file->bytes() + kRingFileHeaderBytes;
  return std::make_unique<RingMemory>(capacity, overwrite, std::move(file), block);
}

void fuzz(std::uint32_t capacity, bool overwrite, std::uint64_t attempts,
               std::size_t scratch_bytes, std::uint32_t seed, bool file_backed = false) {
  const std::unique_ptr<RingMemory> owned = make_memory(capacity, overwrite, file_backed);
  RingMemory& memory = *owned;
  const std::uint32_t max_size = max_record_bytes(capacity);
  std::atomic<bool> done{false};

  std::thread producer_thread([&] {
    RingProducer producer(memory.block(), capacity, overwrite);
    std::minstd_rand rng(seed);
    for (std::uint64_t i = 0; i < attempts; ++i) {
      const std::uint32_t r = rng();
      if (r % 997 == 0) {
        producer.drop_invalid(pattern_id(static_cast<std::uint32_t>(i)));
        continue;
      }
      const std::uint32_t seq = producer.next_seq();
      const bool taken =
          producer.write_event(pattern_id(seq), seq, pattern_size(seq, max_size), pattern_fill);
      // Backing off after some drops keeps discard mode from being nothing but drops.
      if (!taken && (r & 3) == 0) std::this_thread::yield();
      // The JS producer also publishes at the end of each turn, not only every 64 records.
      if (r % 101 == 0) producer.publish();
      // Now and then a pause, so the consumer catches up and sees a short or empty ring.
      if (r % 100003 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    producer.publish();
    // Release pairs with the acquire load below: after it the consumer may read the producer's
    // plain fields (cursor, counters), as a teardown drain does once the thread has stopped.
    done.store(true, std::memory_order_release);
  });

  RingConsumer consumer(memory.block(), capacity, overwrite);
  std::vector<std::uint64_t> scratch(scratch_bytes / 8);
  Tally tally;
  std::minstd_rand rng(seed * 7 + 1);
  DrainSlice slice;
  while (!done.load(std::memory_order_acquire)) {
    const std::uint64_t end = consumer.published_end();
    while (consumer.next_slice(end, scratch, slice)) check_slice(slice, max_size, tally);
    const std::uint32_t r = rng() % 64;
    if (r < 4) {
      std::this_thread::sleep_for(std::chrono::microseconds(50 * r + 10));
    } else if (r < 40) {
      std::this_thread::yield();
    }
  }
  producer_thread.join();
  const std::uint64_t end = consumer.cursor_end_at_teardown();
  while (consumer.next_slice(end, scratch, slice)) check_slice(slice, max_size, tally);

  const ProducerTotals totals = consumer.totals_at_teardown();
  CHECK_EQ(static_cast<double>(totals.events) + totals.ring_full + totals.invalid,
           static_cast<double>(attempts));
  CHECK_EQ(tally.next_seq, consumer.next_seq());
  // Overwritten after the last surviving record: nothing left to reveal it but the final seq.
  const std::uint64_t tail_loss = totals.events - consumer.next_seq();
  CHECK_EQ(tally.events + tally.overwritten + tail_loss, totals.events);
  if (!overwrite) {
    // Discard mode reports every drop in band, exactly (the pending ones at close).
    CHECK_EQ(tally.overwritten + tail_loss, 0u);
    CHECK_EQ(tally.ring_full + totals.pending_full, totals.ring_full);
    CHECK_EQ(tally.invalid + totals.pending_invalid, totals.invalid);
  } else {
    // Overwrite mode never drops for space; LOST records (invalid drops) may be overwritten,
    // which the collector makes up for at close from the producer's totals.
    CHECK_EQ(totals.ring_full, 0.0);
    CHECK(tally.invalid + totals.pending_invalid <= totals.invalid);
  }
  const double lost =
      totals.ring_full + totals.invalid + static_cast<double>(tally.overwritten + tail_loss);
  CHECK_EQ(static_cast<double>(tally.events) + lost, static_cast<double>(attempts));
  std::printf("  %-9s %s cap %8u scratch %8zu: delivered %9llu, ring full %9.0f, invalid %6.0f, "
              "overwritten %9llu\n",
              overwrite ? "overwrite" : "discard", file_backed ? "file" : "heap", capacity,
              scratch_bytes,
              static_cast<unsigned long long>(tally.events), totals.ring_full, totals.invalid,
              static_cast<unsigned long long>(tally.overwritten + tail_loss));
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t records = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 5'000'000;
  const auto started = std::chrono::steady_clock::now();
  std::printf("ring_fuzz_test: %llu records per run\n", static_cast<unsigned long long>(records));
  for (bool overwrite : {false, true}) {
    // A small ring laps and fills constantly; the short scratch cuts records at slice ends.
    fuzz(64 * 1024, overwrite, records, 64 * 1024, 1);
    fuzz(64 * 1024, overwrite, records / 4, 40 * 1024, 2);
    fuzz(4096, overwrite, records / 4, 4096, 3);
    fuzz(1 << 20, overwrite, records / 4, RingConsumer::slice_bytes(1 << 20), 4);
    fuzz(64 * 1024, overwrite, records / 4, 64 * 1024, 5, true);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("ring_fuzz_test: ok (%.1f s)\n", seconds);
  return 0;
}
