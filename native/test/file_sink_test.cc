// The trace file sink and the collector end to end: chunks written, read back and checked
// (tag, length, CRC-32, padding), EVENTS split at 4 MiB, LOSS before EVENTS, END counters that
// balance, and a write error reported instead of a crash.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>
#include <bit>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "collector/collector.h"
#include "record_pattern.h"
#include "ring/ring_producer.h"
#include "sinks/chunk_format.h"
#include "sinks/crc32.h"
#include "sinks/chunk_frame.h"
#include "sinks/file_sink.h"
#include "test_files.h"

using namespace ringtrace;
using namespace ringtrace::test;

namespace {

std::vector<Chunk> read_chunks(const std::string& path) { return parse_chunks(read_file(path)); }

void computes_the_zlib_crc32() {
  CHECK_EQ(crc32_update(0, "123456789", 9), 0xCBF43926u);
  CHECK_EQ(crc32_update(crc32_update(0, "1234", 4), "56789", 5), 0xCBF43926u);
  CHECK_EQ(crc32_update(0, "", 0), 0u);
}

// The sliced loop must agree with the plain bitwise definition for every length and alignment.
void slices_agree_with_the_bitwise_crc() {
  const auto bitwise = [](const std::uint8_t* p, std::size_t n) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i) {
      c ^= p[i];
      for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
  };
  std::uint8_t data[300];
  std::uint32_t x = 12345;
  for (auto& b : data) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  for (std::size_t start = 0; start < 8; ++start) {
    for (std::size_t n = 0; n + start <= sizeof data; n += 7) {
      CHECK_EQ(crc32_update(0, data + start, n), bitwise(data + start, n));
    }
  }
}

void frames_every_chunk_type() {
  const std::string path = "/tmp/ringtrace-file-sink-test.rtrc";
  std::string error;
  {
    auto sink = FileSink::open(path, {}, make_chunk(ChunkType::kFile, "RTRC\r\n\x1a\n{}"), error);
    CHECK(sink != nullptr);
    sink->write_raw_chunk(make_chunk(ChunkType::kStream, "{\"stream\":1}"));
    const std::uint8_t records[24] = {3, 0, 1, 0};
    sink->write(FramedChunk::loss(1, kLossReasonOverwritten, 42));
    sink->write(FramedChunk::events(1, records, {}));
    sink->write(FramedChunk::end(1, 100, 5, 2));
    CHECK(sink->close());
  }
  std::vector<Chunk> chunks = read_chunks(path);
  CHECK_EQ(chunks.size(), 5u);
  CHECK_EQ(chunks[0].type, 1);
  CHECK_EQ(chunks[1].type, 2);
  CHECK_EQ(chunks[2].type, 5);
  CHECK_EQ(get<std::uint32_t>(chunks[2].payload.data(), 4), kLossReasonOverwritten);
  CHECK_EQ(get<double>(chunks[2].payload.data(), 8), 42.0);
  CHECK_EQ(chunks[3].type, 4);
  CHECK_EQ(chunks[3].payload.size(), 32u);
  CHECK_EQ(chunks[4].type, 6);
  CHECK_EQ(get<double>(chunks[4].payload.data(), 8), 100.0);
  CHECK_EQ(get<double>(chunks[4].payload.data(), 16), 5.0);
  CHECK_EQ(get<double>(chunks[4].payload.data(), 24), 2.0);

  // Append to a non-empty file: no second FILE chunk.
  auto again = FileSink::open(path, {.truncate = false}, make_chunk(ChunkType::kFile, "x"), error);
  CHECK(again != nullptr);
  again->write(FramedChunk::end(2, 0, 0, 0));
  CHECK(again->close());
  chunks = read_chunks(path);
  CHECK_EQ(chunks.size(), 6u);
  CHECK_EQ(chunks[5].type, 6);
  std::remove(path.c_str());
}

void reports_write_errors_instead_of_crashing() {
  std::string error;
  CHECK(FileSink::open("/nonexistent-dir/x.rtrc", {}, {}, error) == nullptr);
  CHECK(error.find("No such file") != std::string::npos);
  // A FILE chunk that cannot be written fails the open.
  CHECK(FileSink::open("/dev/full", {}, make_chunk(ChunkType::kFile, "x"), error) == nullptr);
  CHECK(error.find("No space left") != std::string::npos);
  auto sink = FileSink::open("/dev/full", {}, {}, error);
  CHECK(sink != nullptr);
  sink->write_raw_chunk(make_chunk(ChunkType::kStream, "s"));
  CHECK(!sink->flush());
  CHECK(sink->error_message().find("No space left") != std::string::npos);
  CHECK(!sink->flush());  // the STREAM chunk is kept and tried again: it fails again
  sink->write(FramedChunk::end(1, 0, 0, 0));
  CHECK(!sink->close());
}

// New files are 0600 unless asked, and a symbolic link at the path is refused unless asked:
// a link planted there must not get its target overwritten.
void creates_private_files_and_refuses_symlinks() {
  const std::string path = "/tmp/ringtrace-file-sink-mode.rtrc";
  const std::string target = "/tmp/ringtrace-file-sink-target.txt";
  std::remove(path.c_str());
  std::string error;
  {
    const mode_t old_mask = ::umask(0);
    auto sink = FileSink::open(path, {}, make_chunk(ChunkType::kFile, "f"), error);
    ::umask(old_mask);
    CHECK(sink != nullptr);
    CHECK(sink->close());
  }
  struct stat info{};
  CHECK(::stat(path.c_str(), &info) == 0);
  CHECK_EQ(info.st_mode & 0777u, 0600u);
  std::remove(path.c_str());
  {
    const mode_t old_mask = ::umask(0);
    auto sink = FileSink::open(path, {.permissions = 0640}, make_chunk(ChunkType::kFile, "f"), error);
    ::umask(old_mask);
    CHECK(sink != nullptr);
    CHECK(sink->close());
  }
  CHECK(::stat(path.c_str(), &info) == 0);
  CHECK_EQ(info.st_mode & 0777u, 0640u);
  std::remove(path.c_str());

  std::FILE* victim = std::fopen(target.c_str(), "wb");
  CHECK(victim != nullptr);
  std::fputs("precious", victim);
  std::fclose(victim);
  CHECK(::symlink(target.c_str(), path.c_str()) == 0);
  CHECK(FileSink::open(path, {}, make_chunk(ChunkType::kFile, "f"), error) == nullptr);
  CHECK(error.find("cannot open") != std::string::npos);
  CHECK_EQ(read_file(target).size(), 8u);
  {
    auto sink = FileSink::open(path, {.follow_symlinks = true}, make_chunk(ChunkType::kFile, "f"),
                               error);
    CHECK(sink != nullptr);
    CHECK(sink->close());
  }
  CHECK_EQ(read_chunks(target).size(), 1u);
  std::remove(path.c_str());
  std::remove(target.c_str());
}

// A write the file cannot take whole (RLIMIT_FSIZE: a real short write, then EFBIG) is cut back
// to the last whole chunk; what the lost chunks carried comes back as accounts, the SCHEMA chunk
// is kept and written first once the file takes writes again, and the file reads to its end.
void cuts_a_short_write_back_and_resumes() {
  const std::string path = "/tmp/ringtrace-file-sink-short.rtrc";
  std::string error;
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit saved{};
  CHECK(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
  auto sink = FileSink::open(path, {}, make_chunk(ChunkType::kFile, "f"), error);
  CHECK(sink != nullptr);
  std::vector<std::uint8_t> records(4000, 0);
  for (std::size_t at = 0; at < records.size(); at += 40) {
    const std::uint32_t word0 = record_word0(40, 1);
    std::memcpy(records.data() + at, &word0, 4);
  }
  sink->write(FramedChunk::events(7, records, {.events = 100}));
  CHECK(sink->flush());
  const std::size_t good = read_file(path).size();
  rlimit small = saved;
  small.rlim_cur = good + 1000;  // room for part of the next write only
  CHECK(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  sink->write(FramedChunk::loss(7, kLossReasonOverwritten, 3));
  sink->write_raw_chunk(make_chunk(ChunkType::kSchema, "schema"));
  sink->write(FramedChunk::events(7, records, {.events = 100, .ring_full = 2}));
  CHECK(!sink->flush());
  CHECK(sink->error_message().find("too large") != std::string::npos);
  CHECK_EQ(read_file(path).size(), good);  // the torn part is gone
  const std::vector<ChunkAccount> lost = sink->take_failures();
  CHECK_EQ(lost.size(), 2u);
  CHECK_EQ(lost[0].stream, 7u);
  CHECK_EQ(lost[0].overwritten, 3u);
  CHECK_EQ(lost[1].events, 100u);
  CHECK_EQ(lost[1].ring_full, 2.0);
  CHECK(::setrlimit(RLIMIT_FSIZE, &saved) == 0);
  sink->write(FramedChunk::loss(7, kLossReasonUnwritten, 100));
  sink->write(FramedChunk::events(7, records, {.events = 100}));
  CHECK(sink->close());
  CHECK(sink->take_failures().empty());
  const std::vector<Chunk> chunks = read_chunks(path);
  std::vector<std::uint16_t> types;
  for (const Chunk& chunk : chunks) types.push_back(chunk.type);
  CHECK(types == (std::vector<std::uint16_t>{1, 4, 3, 5, 4}));
  std::remove(path.c_str());
}

// Writes through the collector (its thread drains concurrently) and checks the file balances.
void collects_a_ring_into_a_file(bool overwrite, std::uint32_t capacity, int records,
                                 std::uint32_t drain_delay_micros) {
  const std::string path = "/tmp/ringtrace-collector-test.rtrc";
  Collector& collector = Collector::instance();
  collector.set_drain_delay(drain_delay_micros);
  std::uint32_t ring_id = 0;
  std::shared_ptr<RingMemory> memory = collector.create_ring(capacity, overwrite, ring_id);
  std::uint32_t sink_id = 0;
  CHECK(collector.open_file_sink(path, {}, 0, make_chunk(ChunkType::kFile, "f"), sink_id).ok());
  CHECK(collector.attach_ring(ring_id, sink_id, Collector::monotonic_ns(),
                              make_chunk(ChunkType::kStream, "s")).ok());
  RingProducer producer(memory->block(), capacity, overwrite);
  const std::uint32_t max_size = max_record_bytes(capacity);
  for (int i = 0; i < records; ++i) {
    write_pattern_event(producer, max_size);
    if (i % 1000 == 0) producer.publish();
    if (i == records / 2) {
      CHECK(collector.write_chunk(ring_id, make_chunk(ChunkType::kSchema, "mid")).ok());
    }
  }
  producer.drop_invalid(9);  // pending at close: the collector writes its LOST record
  // JS reads coarseClock with a plain load; C++ must say relaxed to be race free.
  const auto clock_ms = std::bit_cast<double>(
      atomic_u64(memory->block(), kCoarseClockOffset).load(std::memory_order_relaxed));
  CHECK(clock_ms >= 0 && clock_ms < 60'000);
  CHECK(collector.close_ring(ring_id).ok());
  CHECK(collector.close_ring(ring_id).ok());  // idempotent
  collector.set_drain_delay(0);
  RingStats stats;
  CHECK(collector.ring_stats(ring_id, stats).ok());
  CHECK(collector.forget_ring(ring_id).ok());

  std::vector<Chunk> chunks = read_chunks(path);
  CHECK_EQ(chunks.front().type, 1);
  CHECK_EQ(chunks[1].type, 2);
  CHECK_EQ(chunks.back().type, 6);
  Tally tally;
  double loss_chunks = 0;
  bool schema_seen = false;
  std::size_t biggest_events = 0;
  for (const Chunk& chunk : chunks) {
    if (chunk.type == 3) schema_seen = true;
    if (chunk.type == 5) loss_chunks += get<double>(chunk.payload.data(), 8);
    if (chunk.type != 4) continue;
    CHECK(chunk.payload.size() <= kMaxEventsPayload);
    biggest_events = std::max(biggest_events, chunk.payload.size());
    CHECK_EQ(get<std::uint32_t>(chunk.payload.data(), 0), ring_id);
    DrainSlice slice;
    slice.records = std::span<const std::uint8_t>(chunk.payload.data() + 8,
                                                  chunk.payload.size() - 8);
    // Recount the events and gaps of the chunk, then verify it record by record.
    Tally probe = tally;
    for (std::size_t at = 0; at < slice.records.size();) {
      const auto word0 = get<std::uint32_t>(slice.records.data(), at);
      const std::uint16_t id = record_event_id(word0);
      if (id != kPaddingId && id != kLostId) {
        const auto seq = get<std::uint32_t>(slice.records.data(), at + 4);
        if (slice.events++ == 0) slice.overwritten = seq - probe.next_seq;
      }
      at += record_size(word0);
    }
    if (slice.records.size() == kLostPairsOffset &&
        record_event_id(get<std::uint32_t>(slice.records.data(), 0)) == kLostId) {
      // The LOST record the collector synthesized at close (no pairs, so check_slice objects).
      tally.ring_full += get<double>(slice.records.data(), kLostRingFullOffset);
      tally.invalid += get<double>(slice.records.data(), kLostInvalidOffset);
      continue;
    }
    check_slice(slice, max_size, tally);
  }
  CHECK(schema_seen);
  if (capacity > kMaxEventsPayload) CHECK(biggest_events >= kMaxEventsPayload - max_size);
  const auto& end = chunks.back().payload;
  const double written = get<double>(end.data(), 8);
  CHECK_EQ(written, static_cast<double>(records + 1));
  CHECK_EQ(get<double>(end.data(), 24), 1.0);
  CHECK_EQ(static_cast<double>(tally.events) + tally.ring_full + tally.invalid + loss_chunks,
           written);
  CHECK_EQ(static_cast<double>(stats.delivered), static_cast<double>(tally.events));
  CHECK_EQ(static_cast<double>(stats.lost_overwritten), loss_chunks);
  std::printf("  %-9s cap %9u: %zu chunks, delivered %llu, ring full %.0f, overwritten %.0f\n",
              overwrite ? "overwrite" : "discard", capacity, chunks.size(),
              static_cast<unsigned long long>(tally.events), tally.ring_full, loss_chunks);
  std::remove(path.c_str());
}

void surfaces_a_sink_write_error_on_flush_and_close() {
  Collector& collector = Collector::instance();
  std::uint32_t ring_id = 0;
  auto memory = collector.create_ring(4096, false, ring_id);
  std::uint32_t sink_id = 0;
  CHECK(collector.open_file_sink("/dev/full", {.truncate = false}, 0, {}, sink_id).ok());
  CHECK(collector.attach_ring(ring_id, sink_id, 0, make_chunk(ChunkType::kStream, "s")).ok());
  const Status flushed = collector.flush(ring_id);
  CHECK(flushed.code == StatusCode::kIoError);
  CHECK(flushed.message.find("No space left on device") != std::string::npos);
  CHECK(collector.close_ring(ring_id).code == StatusCode::kIoError);
  CHECK(collector.close_ring(ring_id).ok());
}

// The collector thread meets the failure (flush interval 0: it writes every pass), so the
// sanitizer builds see the failure accounting race-free against flush().
void counts_and_reports_what_a_failing_file_lost() {
  const std::string path = "/tmp/ringtrace-collector-fault.rtrc";
  Collector& collector = Collector::instance();
  std::uint32_t ring_id = 0;
  auto memory = collector.create_ring(1 << 16, false, ring_id);
  std::uint32_t sink_id = 0;
  CHECK(collector.open_file_sink(path, {}, 0, make_chunk(ChunkType::kFile, "f"), sink_id).ok());
  CHECK(collector.attach_ring(ring_id, sink_id, Collector::monotonic_ns(),
                              make_chunk(ChunkType::kStream, "s")).ok());
  RingProducer producer(memory->block(), 1 << 16, false);
  const auto write = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const std::uint32_t seq = producer.next_seq();
      CHECK(producer.write_event(pattern_id(seq), seq, 24, pattern_fill));
    }
    producer.publish();
  };
  write(1000);
  CHECK(collector.flush(ring_id).ok());
  set_write_fault(ENOSPC);
  write(1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const Status failed = collector.flush(ring_id);
  set_write_fault(0);
  CHECK(failed.code == StatusCode::kIoError);
  RingStats stats;
  CHECK(collector.ring_stats(ring_id, stats).ok());
  CHECK_EQ(stats.delivered, 1000u);
  CHECK_EQ(stats.lost_unwritten, 1000u);
  write(500);
  CHECK(collector.close_ring(ring_id).ok());
  CHECK(collector.ring_stats(ring_id, stats).ok());
  CHECK(collector.forget_ring(ring_id).ok());
  CHECK_EQ(stats.delivered, 1500u);
  double unwritten = 0;
  std::uint64_t events = 0;
  for (const Chunk& chunk : read_chunks(path)) {
    if (chunk.type == 5) {
      CHECK_EQ(get<std::uint32_t>(chunk.payload.data(), 4), kLossReasonUnwritten);
      unwritten += get<double>(chunk.payload.data(), 8);
    }
    if (chunk.type == 4) events += (chunk.payload.size() - 8) / 24;
    if (chunk.type == 6) CHECK_EQ(get<double>(chunk.payload.data(), 8), 2500.0);
  }
  CHECK_EQ(unwritten, 1000.0);
  CHECK_EQ(events, 1500u);
  std::remove(path.c_str());
}

}  // namespace

int main() {
  computes_the_zlib_crc32();
  slices_agree_with_the_bitwise_crc();
  frames_every_chunk_type();
  reports_write_errors_instead_of_crashing();
  creates_private_files_and_refuses_symlinks();
  cuts_a_short_write_back_and_resumes();
  collects_a_ring_into_a_file(false, 1 << 16, 200000, 0);
  collects_a_ring_into_a_file(true, 1 << 16, 200000, 0);
  // A slow collector on a big ring: drains of more than 4 MiB, split into several chunks.
  collects_a_ring_into_a_file(false, 1 << 24, 200000, 20000);
  collects_a_ring_into_a_file(true, 1 << 24, 200000, 20000);
  // A slow collector on a small ring: drops (discard) and laps (overwrite).
  collects_a_ring_into_a_file(false, 1 << 14, 200000, 2000);
  collects_a_ring_into_a_file(true, 1 << 14, 200000, 2000);
  surfaces_a_sink_write_error_on_flush_and_close();
  counts_and_reports_what_a_failing_file_lost();
  std::puts("file_sink_test: ok");
  return 0;
}
