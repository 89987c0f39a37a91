// The live stream: chunks queued in the order the file gets them and framed as it frames them,
// the byte budget (EVENTS and LOSS chunks dropped whole and counted, the rest always queued),
// takes split at chunk boundaries, a stream closed under attached rings, and a collector that
// appends while another thread takes (run under TSan and ASan by scripts/test-native.sh).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "collector/collector.h"
#include "record_pattern.h"
#include "ring/ring_producer.h"
#include "sinks/chunk_frame.h"
#include "sinks/live_stream.h"
#include "test_files.h"

using namespace ringtrace;
using namespace ringtrace::test;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

std::vector<std::uint8_t> bytes_of(const TakenChunks& taken) {
  std::vector<std::uint8_t> bytes(taken.size());
  taken.copy_to(bytes.data());
  return bytes;
}

std::vector<std::uint16_t> types_of(const std::vector<Chunk>& chunks) {
  std::vector<std::uint16_t> types;
  for (const Chunk& chunk : chunks) types.push_back(chunk.type);
  return types;
}

// Everything queued, taken `max_bytes` at a time.
std::vector<std::uint8_t> take_all(Collector& collector, std::uint32_t live_id,
                                   std::size_t max_bytes) {
  std::vector<std::uint8_t> all;
  for (;;) {
    TakenChunks taken;
    CHECK(collector.take_live_chunks(live_id, max_bytes, taken).ok());
    if (taken.empty()) return all;
    const std::vector<std::uint8_t> bytes = bytes_of(taken);
    all.insert(all.end(), bytes.begin(), bytes.end());
  }
}

void queues_every_chunk_kind_in_order_framed() {
  LiveStream live(make_chunk(ChunkType::kFile, "RTRC\r\n\x1a\n{}"), kMiB);
  // A raw chunk that lacks its padding gets it, as in the file.
  std::vector<std::uint8_t> stream = make_chunk(ChunkType::kStream, "{\"stream\":7}");
  stream.resize(kChunkHeaderBytes + 12);
  live.push_raw(stream);
  live.push_raw(make_chunk(ChunkType::kSchema, "schema"));
  std::vector<std::uint8_t> records(72, 0);
  for (std::size_t at = 0; at < records.size(); at += 24) {
    const std::uint32_t word0 = record_word0(24, 1);
    std::memcpy(records.data() + at, &word0, 4);
  }
  CHECK(live.push(FramedChunk::events(7, records, {.events = 3})) == LiveStream::Push::kQueued);
  CHECK(live.push(FramedChunk::loss(7, kLossReasonOverwritten, 5)) == LiveStream::Push::kQueued);
  CHECK(live.push(FramedChunk::end(7, 8, 0, 0)) == LiveStream::Push::kQueued);
  const std::uint64_t queued = live.stats().queued_bytes;
  const std::vector<std::uint8_t> bytes = bytes_of(live.take(SIZE_MAX));
  CHECK_EQ(bytes.size(), queued);
  const std::vector<Chunk> chunks = parse_chunks(bytes);
  CHECK(types_of(chunks) == (std::vector<std::uint16_t>{1, 2, 3, 4, 5, 6}));
  CHECK_EQ(chunks[3].payload.size(), 8u + 72u);
  CHECK_EQ(get<std::uint32_t>(chunks[3].payload.data(), 0), 7u);
  CHECK_EQ(get<double>(chunks[4].payload.data(), 8), 5.0);
  CHECK_EQ(get<double>(chunks[5].payload.data(), 8), 8.0);
  const LiveStreamStats stats = live.stats();
  CHECK_EQ(stats.queued_bytes, 0u);
  CHECK_EQ(stats.taken_bytes, bytes.size());
  CHECK_EQ(stats.dropped_chunks, 0u);
  CHECK(live.take(SIZE_MAX).empty());
}

void drops_events_and_loss_over_the_budget_and_keeps_the_rest() {
  const std::vector<std::uint8_t> file_chunk = make_chunk(ChunkType::kFile, "f");
  LiveStream live(file_chunk, kMiB);
  // Three of these fill the budget to 16 bytes short: no room for a fourth, nor for a LOSS chunk.
  const std::vector<std::uint8_t> records(349'496, 0);
  const FramedChunk events = FramedChunk::events(1, records, {.events = 1000, .ring_full = 2});
  const std::size_t size = events.size();
  CHECK_EQ(3 * size + 16, kMiB);
  for (int i = 0; i < 3; ++i) CHECK(live.push(events) == LiveStream::Push::kQueued);
  CHECK(live.push(events) == LiveStream::Push::kDropped);
  CHECK(live.push(FramedChunk::loss(1, kLossReasonOverwritten, 4)) == LiveStream::Push::kDropped);
  // What a decoder cannot do without is queued whatever the budget says.
  live.push_raw(make_chunk(ChunkType::kSchema, "schema"));
  CHECK(live.push(FramedChunk::end(1, 0, 0, 0)) == LiveStream::Push::kQueued);
  LiveStreamStats stats = live.stats();
  CHECK_EQ(stats.dropped_chunks, 2u);
  CHECK_EQ(stats.dropped_bytes, size + 32);
  CHECK_EQ(stats.dropped_events, 1000u);
  CHECK_EQ(stats.queued_bytes, file_chunk.size() + 3 * size + 24 + 48);

  // A take frees budget: the next EVENTS chunk fits again.
  CHECK_EQ(live.take(1).size(), file_chunk.size());  // the first chunk alone, however small the limit
  CHECK_EQ(live.take(size).size(), size);
  CHECK(live.push(events) == LiveStream::Push::kQueued);
  const std::vector<Chunk> rest = parse_chunks(bytes_of(live.take(SIZE_MAX)));
  CHECK(types_of(rest) == (std::vector<std::uint16_t>{4, 4, 3, 6, 4}));
  stats = live.stats();
  CHECK_EQ(stats.queued_bytes, 0u);
  CHECK_EQ(stats.taken_bytes, file_chunk.size() + 4 * size + 24 + 48);
}

void takes_whole_chunks_up_to_the_limit() {
  const std::vector<std::uint8_t> file_chunk = make_chunk(ChunkType::kFile, "f");
  CHECK_EQ(file_chunk.size(), 24u);
  LiveStream live(file_chunk, kMiB);
  for (std::uint64_t i = 1; i <= 5; ++i) {
    CHECK(live.push(FramedChunk::loss(1, kLossReasonOverwritten, i)) == LiveStream::Push::kQueued);
  }
  CHECK_EQ(live.take(24 + 32 + 31).size(), 24u + 32u);  // a chunk that does not fit stays
  CHECK_EQ(live.take(64).size(), 64u);
  CHECK_EQ(live.take(0).size(), 32u);
  const std::vector<Chunk> last = parse_chunks(bytes_of(live.take(1000)));
  CHECK_EQ(last.size(), 1u);
  CHECK_EQ(get<double>(last[0].payload.data(), 8), 5.0);  // oldest first
  CHECK(live.take(1000).empty());
  CHECK_EQ(live.stats().taken_bytes, 24u + 5 * 32u);
}

struct TestRing {
  std::uint32_t id = 0;
  std::shared_ptr<RingMemory> memory;
};

TestRing attach_ring(Collector& collector, std::uint32_t capacity, bool overwrite,
                     std::uint32_t sink_id, std::uint32_t live_id) {
  TestRing ring;
  ring.memory = collector.create_ring(capacity, overwrite, ring.id);
  CHECK(ring.memory != nullptr);
  const std::vector<std::uint8_t> stream = make_chunk(ChunkType::kStream, "s");
  CHECK(collector.attach_ring(ring.id, sink_id, Collector::monotonic_ns(), stream).ok());
  CHECK(collector.attach_live_stream(ring.id, live_id, stream).ok());
  return ring;
}

void write_records(Collector& collector, const TestRing& ring, std::uint32_t capacity,
                   bool overwrite, int records) {
  RingProducer producer(ring.memory->block(), capacity, overwrite);
  const std::uint32_t max_size = max_record_bytes(capacity);
  for (int i = 0; i < records; ++i) {
    write_pattern_event(producer, max_size);
    if (i % 500 == 0) producer.publish();
    if (i == records / 2) {
      CHECK(collector.write_chunk(ring.id, make_chunk(ChunkType::kSchema, "mid")).ok());
    }
  }
  producer.drop_invalid(3);  // pending at close: the collector writes its LOST record
}

// The live stream gets exactly the bytes the file gets, chunk for chunk: the same FILE chunk,
// then the ring's STREAM, SCHEMA, EVENTS (with LOST records), LOSS (overwrite laps) and END.
void carries_the_bytes_the_file_gets(bool overwrite) {
  const std::string path = "/tmp/ringtrace-live-stream-test.rtrc";
  constexpr std::uint32_t kCapacity = 1 << 14;
  Collector& collector = Collector::instance();
  // A slow collector on a small ring: drops (discard) and laps (overwrite), so LOSS chunks too.
  collector.set_drain_delay(500);
  const std::vector<std::uint8_t> file_chunk = make_chunk(ChunkType::kFile, "f");
  std::uint32_t sink_id = 0;
  CHECK(collector.open_file_sink(path, {}, 0, file_chunk, sink_id).ok());
  const std::uint32_t live_id = collector.open_live_stream(file_chunk, LiveStream::kMaxBudgetBytes);
  const TestRing ring = attach_ring(collector, kCapacity, overwrite, sink_id, live_id);
  write_records(collector, ring, kCapacity, overwrite, 50'000);
  CHECK(collector.close_ring(ring.id).ok());
  collector.set_drain_delay(0);
  RingStats stats;
  CHECK(collector.ring_stats(ring.id, stats).ok());
  CHECK(collector.forget_ring(ring.id).ok());

  const std::vector<std::uint8_t> live = take_all(collector, live_id, 4096);
  const std::vector<std::uint8_t> file = read_file(path);
  CHECK_EQ(live.size(), file.size());
  CHECK(live == file);
  const std::vector<Chunk> chunks = parse_chunks(live);
  const std::vector<std::uint16_t> types = types_of(chunks);
  CHECK(std::count(types.begin(), types.end(), 5) > 0 || !overwrite);
  CHECK_EQ(types.back(), 6);
  CHECK_EQ(stats.live_dropped, 0u);
  LiveStreamStats live_stats;
  CHECK(collector.live_stream_stats(live_id, live_stats).ok());
  CHECK_EQ(live_stats.taken_bytes, file.size());
  CHECK_EQ(live_stats.dropped_chunks, 0u);
  collector.close_live_stream(live_id);
  std::printf("  %-9s %zu chunks, %zu bytes, identical to the file\n",
              overwrite ? "overwrite" : "discard", chunks.size(), live.size());
  std::remove(path.c_str());
}

// Sums of what EVENTS chunks carry: event records (seqs checked increasing) and LOST sums.
struct Carried {
  std::uint64_t events = 0;
  double ring_full = 0;
  double invalid = 0;
  std::int64_t last_seq = -1;
};

void count_events(const Chunk& chunk, Carried& carried) {
  const std::uint8_t* records = chunk.payload.data() + kStreamPrefixBytes;
  const std::size_t length = chunk.payload.size() - kStreamPrefixBytes;
  for (std::size_t at = 0; at < length;) {
    const auto word0 = get<std::uint32_t>(records, at);
    const std::uint16_t id = record_event_id(word0);
    if (id == kLostId) {
      carried.ring_full += get<double>(records, at + kLostRingFullOffset);
      carried.invalid += get<double>(records, at + kLostInvalidOffset);
    } else if (id != kPaddingId) {
      const auto seq = static_cast<std::int64_t>(get<std::uint32_t>(records, at + 4));
      CHECK(seq > carried.last_seq);
      carried.last_seq = seq;
      ++carried.events;
    }
    at += record_size(word0);
  }
}

void exports_a_ring_without_a_file() {
  constexpr std::uint32_t kCapacity = 1 << 16;
  constexpr int kRecords = 20'000;
  Collector& collector = Collector::instance();
  const std::uint32_t live_id =
      collector.open_live_stream(make_chunk(ChunkType::kFile, "f"), 64 * kMiB);
  const TestRing ring = attach_ring(collector, kCapacity, false, 0, live_id);
  write_records(collector, ring, kCapacity, false, kRecords);
  CHECK(collector.close_ring(ring.id).ok());
  RingStats stats;
  CHECK(collector.ring_stats(ring.id, stats).ok());
  CHECK(collector.forget_ring(ring.id).ok());
  const std::vector<Chunk> chunks = parse_chunks(take_all(collector, live_id, SIZE_MAX));
  CHECK(types_of(chunks).front() == 1 && chunks[1].type == 2 && chunks.back().type == 6);
  Carried carried;
  for (const Chunk& chunk : chunks) {
    if (chunk.type == 4) count_events(chunk, carried);
  }
  CHECK_EQ(static_cast<double>(carried.events) + carried.ring_full + carried.invalid,
           get<double>(chunks.back().payload.data(), 8));
  CHECK_EQ(carried.events, stats.delivered);
  collector.close_live_stream(live_id);
}

// Closing a live stream under attached rings stops their queuing; the rings go on (flush, close
// with its END to nowhere) and a second close does nothing.
void closes_under_attached_rings() {
  constexpr std::uint32_t kCapacity = 1 << 16;
  Collector& collector = Collector::instance();
  const std::uint32_t live_id =
      collector.open_live_stream(make_chunk(ChunkType::kFile, "f"), kMiB);
  const TestRing ring = attach_ring(collector, kCapacity, false, 0, live_id);
  const TestRing other = attach_ring(collector, kCapacity, false, 0, live_id);
  CHECK(collector.attach_live_stream(ring.id, live_id, make_chunk(ChunkType::kStream, "s")).code ==
        StatusCode::kStateError);
  RingProducer producer(ring.memory->block(), kCapacity, false);
  producer.write_event(1, producer.next_seq(), 24, pattern_fill);
  producer.publish();
  CHECK(collector.flush(ring.id).ok());
  collector.close_live_stream(live_id);
  TakenChunks taken;
  CHECK(collector.take_live_chunks(live_id, SIZE_MAX, taken).code == StatusCode::kRangeError);
  LiveStreamStats stats;
  CHECK(collector.live_stream_stats(live_id, stats).code == StatusCode::kRangeError);
  CHECK(collector.attach_live_stream(other.id, live_id, {}).code == StatusCode::kStateError);
  producer.write_event(1, producer.next_seq(), 24, pattern_fill);
  producer.publish();
  CHECK(collector.write_chunk(ring.id, make_chunk(ChunkType::kSchema, "late")).ok());
  CHECK(collector.close_ring(ring.id).ok());
  collector.close_live_stream(live_id);
  CHECK(collector.close_ring(other.id).ok());
  RingStats ring_stats;
  CHECK(collector.ring_stats(ring.id, ring_stats).ok());
  CHECK_EQ(ring_stats.delivered, 2u);
  CHECK(collector.forget_ring(ring.id).ok());
  CHECK(collector.forget_ring(other.id).ok());
  const TestRing unattached = [&] {
    TestRing r;
    r.memory = collector.create_ring(kCapacity, false, r.id);
    return r;
  }();
  CHECK(collector.attach_live_stream(unattached.id, live_id, {}).code == StatusCode::kStateError);
  CHECK(collector.forget_ring(unattached.id).ok());
}

// The collector thread appends while another thread takes, small takes with pauses so the
// budget fills (`records` events, paced): every event is either taken or counted dropped, in order, and the drops the
// stream counts are the ring's.
void takes_while_the_collector_appends(int records) {
  constexpr std::uint32_t kCapacity = 1 << 20;
  Collector& collector = Collector::instance();
  const std::uint32_t live_id =
      collector.open_live_stream(make_chunk(ChunkType::kFile, "f"), kMiB);
  const TestRing ring = attach_ring(collector, kCapacity, false, 0, live_id);
  Carried carried;
  std::vector<double> end_payload;
  std::thread taker([&] {
    for (bool ended = false; !ended;) {
      TakenChunks taken;
      CHECK(collector.take_live_chunks(live_id, 64 * 1024, taken).ok());
      if (taken.empty()) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      for (const Chunk& chunk : parse_chunks(bytes_of(taken))) {
        if (chunk.type == 4) count_events(chunk, carried);
        if (chunk.type == 6) {
          ended = true;
          end_payload = {get<double>(chunk.payload.data(), 8),
                         get<double>(chunk.payload.data(), 16)};
        }
      }
      LiveStreamStats stats;
      CHECK(collector.live_stream_stats(live_id, stats).ok());
      // A slow exporter: the budget fills and the stream drops.
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  RingProducer producer(ring.memory->block(), kCapacity, false);
  const std::uint32_t max_size = max_record_bytes(kCapacity);
  for (int i = 0; i < records; ++i) {
    write_pattern_event(producer, max_size);
    if (i % 64 == 0) producer.publish();
    // Paced so that the collector keeps up with most of it: the drops to see are the stream's.
    if (i % 256 == 0) std::this_thread::sleep_for(std::chrono::microseconds(10));
  }
  CHECK(collector.close_ring(ring.id).ok());
  taker.join();
  RingStats stats;
  CHECK(collector.ring_stats(ring.id, stats).ok());
  CHECK(collector.forget_ring(ring.id).ok());
  LiveStreamStats live;
  CHECK(collector.live_stream_stats(live_id, live).ok());
  collector.close_live_stream(live_id);
  CHECK_EQ(live.dropped_events, stats.live_dropped);
  CHECK_EQ(carried.events + stats.live_dropped, stats.delivered);
  CHECK_EQ(carried.ring_full + stats.live_dropped_lost, end_payload.at(1));
  CHECK_EQ(static_cast<double>(stats.delivered) + stats.lost_ring_full, end_payload.at(0));
  CHECK_EQ(live.queued_bytes, 0u);
  std::printf("  stress: %llu events taken, %llu dropped in %llu chunks, ring full %.0f\n",
              static_cast<unsigned long long>(carried.events),
              static_cast<unsigned long long>(stats.live_dropped),
              static_cast<unsigned long long>(live.dropped_chunks), stats.lost_ring_full);
}

}  // namespace

int main(int argc, char** argv) {
  const int records = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  queues_every_chunk_kind_in_order_framed();
  drops_events_and_loss_over_the_budget_and_keeps_the_rest();
  takes_whole_chunks_up_to_the_limit();
  carries_the_bytes_the_file_gets(false);
  carries_the_bytes_the_file_gets(true);
  exports_a_ring_without_a_file();
  closes_under_attached_rings();
  takes_while_the_collector_appends(records);
  std::puts("live_stream_test: ok");
  return 0;
}
