// The collector with an ETW sink in capture mode, end to end: a producer thread writes records
// while the collector thread drains them; SCHEMA chunks from write_chunk() build the encoders;
// the capture file must hold every event in order with its payload, a DROPPED record for each
// event over 64 KiB or without a schema, and RingStats::etw_dropped must count those.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "collector/collector.h"
#include "etw/capture_writer.h"
#include "etw/provider_traits.h"
#include "ring/ring_producer.h"
#include "test_files.h"

using namespace ringtrace;
using namespace ringtrace::test;

namespace {

struct Captured {
  std::vector<std::uint32_t> values;    // event 1's u32 field, in order
  std::vector<std::uint32_t> blob_sizes;  // event 2's binary field sizes
  std::uint32_t oversize = 0;
  std::uint32_t malformed = 0;
};

Captured read_capture(const std::string& path, std::size_t traits_bytes) {
  const std::vector<std::uint8_t> bytes = read_file(path);
  CHECK(bytes.size() >= etw::kCaptureHeaderFixedBytes);
  CHECK(std::memcmp(bytes.data(), etw::kCaptureMagic, sizeof etw::kCaptureMagic) == 0);
  Captured captured;
  std::size_t at = get<std::uint32_t>(bytes.data(), 12);
  while (at < bytes.size()) {
    const std::uint8_t* r = bytes.data() + at;
    const std::uint32_t size = get<std::uint32_t>(r, 4);
    CHECK(size >= 16 && size % 8 == 0 && at + size <= bytes.size());
    if (get<std::uint16_t>(r, 0) == static_cast<std::uint16_t>(etw::CaptureRecordKind::kDropped)) {
      const auto reason = static_cast<etw::DropReason>(get<std::uint32_t>(r, 8));
      (reason == etw::DropReason::kOversize ? captured.oversize : captured.malformed) +=
          get<std::uint32_t>(r, 12);
    } else {
      CHECK_EQ(get<std::uint32_t>(r, 56), traits_bytes);
      const std::uint32_t metadata = get<std::uint32_t>(r, 60);
      const std::uint8_t* payload = r + etw::kCaptureEventFixedBytes + traits_bytes + metadata;
      const std::string name(reinterpret_cast<const char*>(r + etw::kCaptureEventFixedBytes +
                                                           traits_bytes + 3));
      if (name == "Tick") {
        CHECK_EQ(get<std::uint32_t>(r, 64), 4u);
        captured.values.push_back(get<std::uint32_t>(payload, 0));
      } else {
        CHECK(name == "Blob");
        captured.blob_sizes.push_back(get<std::uint16_t>(payload, 0));
      }
    }
    at += size;
  }
  return captured;
}

void captures_what_the_collector_drains() {
  const std::string path = "/tmp/ringtrace-etw-sink-test.etwcap";
  const std::string provider = "Ringtrace.Test.EtwSink";
  std::vector<std::uint8_t> traits;
  std::string error;
  CHECK(etw::provider_traits(provider, traits, error));
  const std::uint8_t guid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

  Collector& collector = Collector::instance();
  constexpr std::uint32_t kCapacity = 1u << 20;
  std::uint32_t ring_id = 0;
  std::shared_ptr<RingMemory> memory = collector.create_ring(kCapacity, false, ring_id);
  CHECK(memory != nullptr);
  std::uint32_t etw_id = 0;
  CHECK(collector.open_etw_sink({provider, guid, traits, path, false, {}}, etw_id).ok());
  // The same provider with another capture file is refused; with the same one it is joined.
  std::uint32_t other = 0;
  CHECK(collector.open_etw_sink({provider, guid, traits, path + ".x", false, {}}, other).code ==
        StatusCode::kStateError);
  CHECK(collector.attach_ring(ring_id, 0, Collector::monotonic_ns(), {}).ok());
  CHECK(collector.attach_etw_sink(ring_id, etw_id).ok());
  CHECK(collector.attach_etw_sink(ring_id, etw_id).code == StatusCode::kStateError);
  const std::string tick = R"({"id":1,"name":"Tick","level":4,"keyword":"0x1","opcode":0,)"
                           R"("fields":[{"name":"i","type":"u32"}]})";
  const std::string blob = R"({"id":2,"name":"Blob","level":4,"keyword":"0x1","opcode":0,)"
                           R"("fields":[{"name":"b","type":"binary"}]})";
  CHECK(collector.write_chunk(ring_id, make_chunk(ChunkType::kSchema, tick)).ok());
  CHECK(collector.write_chunk(ring_id, make_chunk(ChunkType::kSchema, blob)).ok());

  RingProducer producer(memory->block(), kCapacity, false);
  constexpr std::uint32_t kTicks = 20000;
  const auto write_blob = [&producer](std::uint32_t bytes) {
    const std::uint32_t size = (kHeaderBytes + kVarHeaderBytes + bytes + 7) & ~7u;
    const auto fill = [bytes](std::uint8_t* body, std::uint32_t, std::uint32_t) {
      const auto count = static_cast<std::uint16_t>(bytes);
      std::memcpy(body, &count, sizeof count);
      std::memset(body + kVarHeaderBytes, 0x5A, bytes);
    };
    CHECK(producer.write_event(2, 0, size, fill));
  };
  std::uint32_t written = 0;
  for (std::uint32_t i = 0; i < kTicks; ++i) {
    // A full ring drops (and counts in the ring, not in ETW): retry until the collector drains.
    while (!producer.write_event(1, 0, 24, [i](std::uint8_t* body, std::uint32_t, std::uint32_t) {
      std::memcpy(body, &i, sizeof i);
    })) {
      producer.publish();
    }
    ++written;
    if (i % 64 == 0) producer.publish();
    if (i == kTicks / 2) {
      write_blob(100);
      write_blob(65500);  // fits a ring record, not an ETW event (traits + metadata + 2 + 65500)
      CHECK(producer.write_event(3, 0, 16, [](std::uint8_t*, std::uint32_t, std::uint32_t) {}));
    }
  }
  producer.publish();
  CHECK(collector.flush(ring_id).ok());
  CHECK(collector.close_ring(ring_id).ok());
  RingStats stats;
  CHECK(collector.ring_stats(ring_id, stats).ok());
  CHECK(collector.forget_ring(ring_id).ok());
  CHECK_EQ(stats.etw_dropped, 2u);  // the oversize blob and event 3, which has no schema

  const Captured captured = read_capture(path, traits.size());
  CHECK_EQ(captured.oversize, 1u);
  CHECK_EQ(captured.malformed, 1u);
  CHECK_EQ(captured.blob_sizes.size(), 1u);
  CHECK_EQ(captured.blob_sizes[0], 100u);
  CHECK_EQ(captured.values.size(), static_cast<std::size_t>(written));
  for (std::uint32_t i = 0; i < written; ++i) CHECK_EQ(captured.values[i], i);

  // The last ring closed the sink: the provider opens afresh (a new capture file).
  CHECK(collector.open_etw_sink({provider, guid, traits, path + ".x", false, {}}, other).ok());
  std::remove(path.c_str());
  std::remove((path + ".x").c_str());
}

void refuses_live_etw_where_it_does_not_exist() {
  std::vector<std::uint8_t> traits;
  std::string error;
  CHECK(etw::provider_traits("Ringtrace.Test.Live", traits, error));
  const std::uint8_t guid[16] = {};
  std::uint32_t id = 0;
  const Status status =
      Collector::instance().open_etw_sink({"Ringtrace.Test.Live", guid, traits, "", false, {}}, id);
  CHECK(status.code == StatusCode::kUnsupported);
}

}  // namespace

int main() {
  captures_what_the_collector_drains();
  refuses_live_etw_where_it_does_not_exist();
  std::puts("etw_sink_test: ok");
  return 0;
}
