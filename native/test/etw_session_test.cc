// ETW sessions -> eventGate words. The session rule (etw_session.h) on its own; then the
// collector with a fake live provider whose enable callback the test drives from another thread
// (as ETW's thread would): two session-gated rings and one ring with a trace file share the
// provider, and every gate word, every event handed to the provider and every write error must
// follow the sessions' level and keyword masks.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "collector/collector.h"
#include "etw/etw_output.h"
#include "etw/etw_session.h"
#include "etw/provider_traits.h"
#include "ring/ring_access.h"
#include "ring/ring_producer.h"
#include "test_files.h"

using namespace ringtrace;
using namespace ringtrace::test;
using etw::SessionState;

namespace {

constexpr std::uint64_t kAll = ~std::uint64_t{0};

void follows_the_tracelogging_rule() {
  const SessionState off;
  CHECK(!etw::session_wants(off, 0, 0));
  CHECK(!etw::session_wants(off, 5, 1));

  const SessionState every{true, 0, kAll, 0};
  CHECK(etw::session_wants(every, 5, 0x8000));
  CHECK(etw::session_wants(every, 255, 1));  // level 0: every level, even past Verbose
  CHECK(etw::session_wants(every, 0, 0));

  const SessionState info_kw1{true, 4, 0x1, 0};
  CHECK(etw::session_wants(info_kw1, 4, 0x1));
  CHECK(etw::session_wants(info_kw1, 0, 0x3));    // LogAlways, shares bit 0
  CHECK(!etw::session_wants(info_kw1, 5, 0x1));   // Verbose over Informational
  CHECK(!etw::session_wants(info_kw1, 4, 0x2));   // no shared keyword bit
  CHECK(etw::session_wants(info_kw1, 4, 0));      // keyword 0 matches every session
  CHECK(!etw::session_wants(info_kw1, 5, 0));     // ... but not past the level

  const SessionState both{true, 5, 0x3, 0x3};
  CHECK(etw::session_wants(both, 5, 0x3));
  CHECK(etw::session_wants(both, 5, 0x7));
  CHECK(!etw::session_wants(both, 5, 0x1));       // MatchAll needs bit 1 too
  CHECK(etw::session_wants(both, 5, 0));

  // MatchAnyKeyword 0 (TraceLogging's reading): only keyword-0 events.
  const SessionState no_any{true, 5, 0, 0};
  CHECK(etw::session_wants(no_any, 5, 0));
  CHECK(!etw::session_wants(no_any, 5, 0x1));
  CHECK(etw::session_wants(etw::kEverySession, 5, 0x1234));
}

void tracks_enable_callbacks() {
  etw::SessionTracker tracker;
  std::uint64_t generation = 0;
  SessionState state;
  CHECK(!tracker.changed_since(generation, state));
  tracker.on_enable_callback(etw::kControlEnable, 4, 0x1, 0x0);
  CHECK(tracker.changed_since(generation, state));
  CHECK(state.enabled && state.level == 4 && state.any == 0x1 && state.all == 0);
  CHECK(!tracker.changed_since(generation, state));
  tracker.on_enable_callback(etw::kControlCaptureState, 5, kAll, 0);  // no state to log
  CHECK(!tracker.changed_since(generation, state));
  tracker.on_enable_callback(etw::kControlDisable, 0, 0, 0);
  CHECK(tracker.changed_since(generation, state));
  CHECK(!state.enabled);
}

// The fake provider's record of what reached it, written under the collector's mutex and read
// by the test after a flush() (which takes that mutex).
struct FakeEtw {
  etw::SessionTracker sessions;
  std::vector<std::pair<std::uint8_t, std::uint64_t>> written;  // level, keyword
  std::uint64_t fail_every = 0;  // refuse every n-th write (0: none)
  std::uint64_t attempts = 0;
  bool closed = false;
};

class FakeProvider final : public etw::EtwOutput {
 public:
  explicit FakeProvider(FakeEtw& state) : state_(state) {}
  bool write_event(const etw::EncodedEvent& event) override {
    ++state_.attempts;
    if (state_.fail_every != 0 && state_.attempts % state_.fail_every == 0) return false;
    state_.written.emplace_back(event.descriptor->level, event.descriptor->keyword);
    return true;
  }
  void write_dropped(etw::DropReason, std::uint32_t) override {}
  bool flush() override { return true; }
  bool close() override {
    state_.closed = true;
    return true;
  }
  std::string error_message() const override { return {}; }
  const etw::SessionTracker* sessions() const override { return &state_.sessions; }

 private:
  FakeEtw& state_;
};

std::string schema(std::uint32_t id, const char* name, int level, const char* keyword) {
  return "{\"id\":" + std::to_string(id) + ",\"name\":\"" + name + "\",\"level\":" +
         std::to_string(level) + ",\"keyword\":\"" + keyword +
         "\",\"opcode\":0,\"fields\":[{\"name\":\"i\",\"type\":\"u32\"}]}";
}

std::uint32_t gate(const RingMemory& memory, std::uint32_t id) {
  auto* block = const_cast<std::uint8_t*>(memory.block());
  return atomic_u32(block, kEventGateOffset + 4 * std::size_t{id}).load(std::memory_order_relaxed);
}

struct TestRing {
  std::uint32_t id = 0;
  std::shared_ptr<RingMemory> memory;
};

// The words tracer.isEnabled() reads: flags, MatchAnyKeyword, MatchAllKeyword.
void check_session_words(const TestRing& ring, std::uint32_t flags, std::uint64_t any, std::uint64_t all) {
  auto* block = const_cast<std::uint8_t*>(ring.memory->block());
  CHECK_EQ(atomic_u32(block, kEtwSessionOffset).load(std::memory_order_relaxed), flags);
  CHECK_EQ(atomic_u64(block, kEtwMatchAnyOffset).load(std::memory_order_relaxed), any);
  CHECK_EQ(atomic_u64(block, kEtwMatchAllOffset).load(std::memory_order_relaxed), all);
}

constexpr std::uint32_t kCapacity = 1u << 16;
constexpr std::uint32_t kSampled = 0x80000000u;

// Ring A: events 1..4; ring B: the same schemas under other ids (ids are per ring).
//   Info    level 4, keyword 0x1       Verbose level 5, keyword 0x2
//   Plain   level 4, keyword 0         Both    level 2, keyword 0x3
struct Expect {
  bool info, verbose, plain, both;
};

void check_gates(const TestRing& a, const TestRing& b, const Expect& e) {
  CHECK_EQ(gate(*a.memory, 1), e.info ? kGateAlways : kGateOff);
  CHECK_EQ(gate(*a.memory, 2), e.verbose ? kGateAlways : kGateOff);
  CHECK_EQ(gate(*a.memory, 3), e.plain ? kSampled : kGateOff);
  CHECK_EQ(gate(*a.memory, 4), kGateOff);  // disabled by its configuration: never on
  CHECK_EQ(gate(*b.memory, 7), e.verbose ? kGateAlways : kGateOff);
  CHECK_EQ(gate(*b.memory, 8), e.both ? kGateAlways : kGateOff);
}

void gates_follow_the_sessions() {
  Collector& collector = Collector::instance();
  const std::string provider = "Ringtrace.Test.Sessions";
  std::vector<std::uint8_t> traits;
  std::string error;
  CHECK(etw::provider_traits(provider, traits, error));
  const std::uint8_t guid[16] = {7};
  FakeEtw fake;

  std::uint32_t etw_id = 0;
  CHECK(collector.open_etw_sink({provider, guid, traits, "", false, {}},
                                std::make_unique<FakeProvider>(fake), etw_id).ok());
  // Joining needs the same forceWrites.
  std::uint32_t other = 0;
  EtwSinkOptions forced{provider, guid, traits, "", false, {}};
  forced.force_writes = true;
  CHECK(collector.open_etw_sink(forced, other).code == StatusCode::kStateError);

  TestRing a, b, c;
  a.memory = collector.create_ring(kCapacity, false, a.id);
  b.memory = collector.create_ring(kCapacity, false, b.id);
  c.memory = collector.create_ring(kCapacity, false, c.id);
  CHECK(a.memory && b.memory && c.memory);
  // A and B write for ETW alone (session-gated); C also has a trace file.
  const std::string trace_path = "/tmp/ringtrace-etw-session-test.rtrc";
  std::uint32_t file_id = 0;
  CHECK(collector.open_file_sink(trace_path, {}, 0, make_chunk(ChunkType::kFile, "{}"), file_id)
            .ok());
  CHECK(collector.attach_ring(a.id, 0, Collector::monotonic_ns(), {}).ok());
  CHECK(collector.attach_ring(b.id, 0, Collector::monotonic_ns(), {}).ok());
  CHECK(collector.attach_ring(c.id, file_id, Collector::monotonic_ns(),
                              make_chunk(ChunkType::kStream, "{}")).ok());
  // Two more opens for B and C (A claims the first).
  CHECK(collector.open_etw_sink({provider, guid, traits, "", false, {}}, nullptr, other).ok());
  CHECK(collector.open_etw_sink({provider, guid, traits, "", false, {}}, nullptr, other).ok());
  CHECK_EQ(other, etw_id);
  for (const TestRing* ring : {&a, &b, &c}) CHECK(collector.attach_etw_sink(ring->id, etw_id).ok());

  const auto add = [&](const TestRing& ring, std::uint32_t id, const char* name, int level,
                       const char* keyword) {
    CHECK(collector.write_chunk(ring.id, make_chunk(ChunkType::kSchema,
                                                    schema(id, name, level, keyword))).ok());
  };
  add(a, 1, "Info", 4, "0x1");
  add(a, 2, "Verbose", 5, "0x2");
  add(a, 3, "Plain", 4, "0x0");
  add(a, 4, "Both", 2, "0x3");
  add(b, 7, "Verbose", 5, "0x2");
  add(b, 8, "Both", 2, "0x3");
  add(c, 1, "Info", 4, "0x1");
  add(c, 2, "Verbose", 5, "0x2");

  // The configuration gates JS would compute; no session is listening yet.
  CHECK(collector.set_event_gate(a.id, 1, kGateAlways).ok());
  CHECK(collector.set_event_gate(a.id, 2, kGateAlways).ok());
  CHECK(collector.set_event_gate(a.id, 3, kSampled).ok());
  CHECK(collector.set_event_gate(a.id, 4, kGateOff).ok());
  CHECK(collector.set_event_gate(b.id, 7, kGateAlways).ok());
  CHECK(collector.set_event_gate(b.id, 8, kGateAlways).ok());
  CHECK(collector.set_event_gate(a.id, 0, kGateAlways).code == StatusCode::kRangeError);
  CHECK(collector.set_event_gate(a.id, 4096, kGateAlways).code == StatusCode::kRangeError);
  check_gates(a, b, {false, false, false, false});
  check_session_words(a, kEtwSessionFollows, 0, 0);  // follows sessions; none on yet
  check_session_words(c, 0, 0, 0);                   // has a trace file: isEnabled ignores ETW
  // A ring with a trace file keeps the gates it is given: JS's own rule decides for the file.
  CHECK(collector.set_event_gate(c.id, 2, kGateAlways).ok());
  CHECK_EQ(gate(*c.memory, 2), kGateAlways);

  // Each state comes from "ETW's thread"; flush() of either ring picks it up for both.
  const auto session = [&](std::uint32_t code, std::uint8_t level, std::uint64_t any,
                           std::uint64_t all) {
    std::thread etw_thread([&] { fake.sessions.on_enable_callback(code, level, any, all); });
    etw_thread.join();
    CHECK(collector.flush(a.id).ok());
    const bool on = code == etw::kControlEnable;
    for (const TestRing* ring : {&a, &b}) {
      check_session_words(*ring, kEtwSessionFollows | (on ? kEtwSessionOn | (std::uint32_t{level} << 8) : 0u),
                          on ? any : 0, on ? all : 0);
    }
    check_session_words(c, 0, 0, 0);
  };
  session(etw::kControlEnable, 0, kAll, 0);
  check_gates(a, b, {true, true, true, true});
  session(etw::kControlEnable, 4, 0x1, 0);
  check_gates(a, b, {true, false, true, true});
  session(etw::kControlEnable, 5, 0x3, 0x3);
  check_gates(a, b, {false, false, true, true});
  session(etw::kControlEnable, 5, 0, 0);
  check_gates(a, b, {false, false, true, false});
  session(etw::kControlDisable, 0, 0, 0);
  check_gates(a, b, {false, false, false, false});
  CHECK_EQ(gate(*c.memory, 2), kGateAlways);

  // A configuration change while a session listens is masked at once.
  session(etw::kControlEnable, 4, kAll, 0);
  CHECK(collector.set_event_gate(a.id, 2, kSampled).ok());   // Verbose: over level 4
  CHECK_EQ(gate(*a.memory, 2), kGateOff);
  CHECK(collector.set_event_gate(a.id, 1, kSampled).ok());
  CHECK_EQ(gate(*a.memory, 1), kSampled);
  CHECK(collector.set_event_gate(a.id, 1, kGateAlways).ok());
  CHECK(collector.set_event_gate(a.id, 2, kGateAlways).ok());

  // Without flush(): the collector thread's next pass applies a change by itself.
  std::thread([&] { fake.sessions.on_enable_callback(etw::kControlEnable, 5, kAll, 0); }).join();
  for (int i = 0; i < 2000 && gate(*a.memory, 2) != kGateAlways; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK_EQ(gate(*a.memory, 2), kGateAlways);

  // Sessions changing while JS reconfigures and the collector drains (TSan checks the locking).
  std::atomic<bool> stop{false};
  std::thread etw_thread([&] {
    for (std::uint32_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      fake.sessions.on_enable_callback(i % 3 == 0 ? etw::kControlDisable : etw::kControlEnable,
                                       static_cast<std::uint8_t>(i % 6), i % 2 ? kAll : 0x1, 0);
    }
  });
  for (int i = 0; i < 2000; ++i) {
    CHECK(collector.set_event_gate(b.id, 7, kGateAlways).ok());
    if (i % 100 == 0) CHECK(collector.flush(b.id).ok());
  }
  stop.store(true, std::memory_order_relaxed);
  etw_thread.join();
  session(etw::kControlEnable, 4, 0x1, 0);
  check_gates(a, b, {true, false, true, true});

  // What reaches the provider: ring C (trace file, every gate open) writes Info and Verbose;
  // the session (level 4, keyword 0x1) takes only Info. Every 4th write fails and is counted.
  CHECK(collector.flush(c.id).ok());
  fake.written.clear();
  fake.attempts = 0;
  fake.fail_every = 4;
  RingProducer producer(c.memory->block(), kCapacity, false);
  constexpr std::uint32_t kPairs = 100;
  for (std::uint32_t i = 0; i < kPairs; ++i) {
    for (std::uint16_t id : {1, 2}) {
      CHECK(producer.write_event(id, 0, 24, [i](std::uint8_t* body, std::uint32_t, std::uint32_t) {
        std::memcpy(body, &i, sizeof i);
      }));
    }
  }
  producer.publish();
  CHECK(collector.flush(c.id).ok());
  CHECK_EQ(fake.attempts, std::uint64_t{kPairs});
  CHECK_EQ(fake.written.size(), std::size_t{kPairs - kPairs / 4});
  for (const auto& [level, keyword] : fake.written) CHECK(level == 4 && keyword == 0x1);
  RingStats stats;
  CHECK(collector.ring_stats(c.id, stats).ok());
  CHECK_EQ(stats.delivered, std::uint64_t{2 * kPairs});  // the trace file has both events
  CHECK_EQ(stats.etw_write_errors, std::uint64_t{kPairs / 4});
  CHECK_EQ(stats.etw_dropped, 0u);

  // A live stream wants every event, as a trace file does: B no longer follows the sessions.
  CHECK_EQ(gate(*b.memory, 7), kGateOff);
  const std::uint32_t live_id =
      collector.open_live_stream(make_chunk(ChunkType::kFile, "{}"), LiveStream::kMinBudgetBytes);
  CHECK(collector.attach_live_stream(b.id, live_id, make_chunk(ChunkType::kStream, "{}")).ok());
  CHECK_EQ(gate(*b.memory, 7), kGateAlways);
  check_session_words(b, 0, 0, 0);

  for (const TestRing* ring : {&a, &b, &c}) {
    CHECK(collector.close_ring(ring->id).ok());
    CHECK(collector.forget_ring(ring->id).ok());
  }
  collector.close_live_stream(live_id);
  CHECK(fake.closed);
  std::remove(trace_path.c_str());
}

}  // namespace

int main() {
  follows_the_tracelogging_rule();
  tracks_enable_callbacks();
  gates_follow_the_sessions();
  std::puts("etw_session_test: ok");
  return 0;
}
