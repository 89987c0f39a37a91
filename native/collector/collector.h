// The collector: one thread per process draining every attached ring into its sink.
//
// Design:
// - One process-wide instance (every worker isolate's addon instance shares it). One mutex,
//   mutex_, guards all of it: the ring and sink registries, every RingConsumer and every
//   FileSink. The collector thread holds it while it drains; JS threads take it in flush(),
//   write_chunk() and close_ring(), which drain synchronously, so chunks of one ring reach the
//   file in call order. Producers never take it: they only write their ring.
// - lifecycle_mutex_ serialises starting and joining the thread (held across the join, with
//   mutex_ released): the thread starts with the first attached ring and is joined when the last
//   one detaches. Lock order: lifecycle_mutex_, then mutex_.
// - Every call that returns a Status (JS threads make them; flush, close and the cleanup hooks
//   are on the exit paths) and the atexit handler wait at most kExitLockWait for the locks, then
//   give up with kStateError: a process that is ending must end, even if a sink hangs in a
//   write. After one such timeout the next calls try once and give up at once, until one gets
//   the lock again, so an exit path that makes several calls waits once. Drains are bounded
//   (RingConsumer never loops on a corrupt ring), so in a healthy process the wait is a drain
//   pass at most.
// - Sink errors are values, never thrown: a chunk the file could not take comes back from
//   FileSink::take_failures() and moves its events from delivered to lost_unwritten. The loss is
//   reported in-band (LOSS reason unwritten, a LOST record for the LOST sums it carried) before
//   the ring's next chunk, once the file takes chunks again.
// - The thread drains every kDrainInterval (a condition variable wait with a timeout, so a stop
//   request does not wait for the interval), refreshing each ring's coarseClock first.
// - Ring memory is a shared RingMemory: the registry drops its reference when the ring closes.
// - Sinks: a ring has up to two, both optional, both process-wide and refcounted by the rings
//   attached to them: a FileSink (by resolved path) and an etw::EtwSink (by provider name,
//   native/etw/etw_sink.h). Every drained slice goes to both (and to a live stream, below);
//   SCHEMA chunks from write_chunk() also build the ETW sink's encoders for that ring.
// - Ring files (ringDir, recorder/ring_file.h): a ring's memory may be a mapped file. The
//   collector drains it as any other, except that one with no file, ETW or live stream is not
//   drained at all (keeps_records()), and marks the file closed once its last drain is done.
// - Gates: JS computes each event's configuration gate (level, keywords, enable, sampling). A
//   ring whose only sink is a live ETW provider that follows sessions (no file, no live
//   stream: "session-gated") hands it to set_event_gate(), and the collector writes
//   eventGate[id] = the sessions want the event ? config : 0, so with no session listening a
//   traced call costs what a disabled one costs.
//   The enable callback only updates the provider's SessionTracker (etw_session.h says why it
//   must not take mutex_); every drain pass, flush() and set_event_gate() pick the change up and
//   recompute the gates of every ring attached to that provider, under mutex_. Other rings'
//   gates are written as given (JS writes them itself; ETW then filters per event in the sink).
// - Live streams (native/sinks/live_stream.h): a third, optional consumer of a ring's chunks,
//   taken by an export worker on its own thread. Every chunk the collector makes for a ring is
//   framed once (FramedChunk) and handed to its file sink and its live stream (emit()); loss only
//   the file suffered (chunks it could not write) is reported to the file alone. The registry,
//   live_streams_, has its own mutex, live_mutex_, so that take_live_chunks() and
//   live_stream_stats() never take mutex_ and never wait for a drain pass. Lock order: mutex_,
//   then live_mutex_, then a LiveStream's own mutex; never the reverse. A ring holds a reference
//   to its stream until it closes, so closing a stream (which only takes live_mutex_ and the
//   stream's mutex) never waits for the collector either: the ring's next pushes do nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "../ring/ring_consumer.h"
#include "../ring/ring_memory.h"
#include "../etw/etw_sink.h"
#include "../sinks/file_sink.h"
#include "../sinks/live_stream.h"
#include "status.h"

namespace ringtrace {

struct RingStats {
  std::uint64_t delivered = 0;  // event records taken out of the ring
  double lost_ring_full = 0;    // sum of the LOST records' ringFull
  double lost_invalid = 0;      // sum of the LOST records' invalid
  std::uint64_t lost_overwritten = 0;
  std::uint64_t lost_unwritten = 0;  // events the file sink could not write (I/O errors)
  std::uint64_t lost_corrupt = 0;    // events skipped with ring bytes that made no sense
  std::uint64_t corrupt_bytes = 0;   // ring bytes skipped so (RingConsumer: a producer bug)
  std::uint64_t bytes = 0;  // non-padding record bytes
  std::uint64_t etw_dropped = 0;  // events the ETW sink refused (over 64 KiB, malformed)
  std::uint64_t etw_write_errors = 0;  // events ETW refused (EventWriteTransfer failed)
  // Event records of EVENTS chunks the live stream dropped (still delivered to the file).
  std::uint64_t live_dropped = 0;
  // Loss reports the live stream dropped: the LOST sums (ringFull + invalid) of the EVENTS chunks
  // and the counts of the LOSS chunks it dropped.
  double live_dropped_lost = 0;
};

// What open_etw_sink() needs: the provider's name, GUID (16 bytes, Windows memory order) and
// traits blob (etw::provider_traits()), and where the events go: a capture file path, or empty
// for ETW itself (etw_provider.h; Windows only). `force_writes` (tests): the provider writes every
// event as if a session wanted it; with a capture path, to both (etw/tee_output.h).
struct EtwSinkOptions {
  std::string provider;
  std::span<const std::uint8_t> guid;
  std::span<const std::uint8_t> traits;
  std::string capture_path;
  bool force_writes = false;
  FileOpenOptions capture_file;  // how the capture file is created (truncate is always true)
};

class Collector {
 public:
  static constexpr std::chrono::milliseconds kDrainInterval{1};
  static constexpr std::chrono::seconds kExitLockWait{5};

  // The process-wide collector. Never destroyed (threads may call it during exit); an atexit
  // handler closes what is still attached.
  static Collector& instance();

  // The steady clock the collector uses for coarseClock, in ns.
  static std::int64_t monotonic_ns();

  // Allocates and registers a ring; returns its id and the memory (the caller's reference),
  // or null when the memory cannot be allocated.
  std::shared_ptr<RingMemory> create_ring(std::uint32_t capacity, bool overwrite,
                                          std::uint32_t& id);
  // As create_ring(), in a new ring file of directory `dir` (createTracer's ringDir):
  // <dir>/<pid>-<run>-<id>.ring, <run> this process's start time (so a pid the OS reuses never
  // meets an old file), header written (recorder/ring_file.h). Sets `path`; kIoError naming the
  // file when it cannot be made, mapped or reserved.
  Status create_file_ring(std::uint32_t capacity, bool overwrite, const std::string& dir,
                          std::uint32_t permissions, std::uint32_t& id,
                          std::shared_ptr<RingMemory>& memory, std::string& path);
  // Opens (or joins) the file sink of `path`. Joining keeps the open file; its flush interval
  // becomes the shorter of the two.
  Status open_file_sink(const std::string& path, const FileOpenOptions& options,
                        std::int64_t flush_interval_ns, std::span<const std::uint8_t> file_chunk,
                        std::uint32_t& sink_id);
  Status attach_ring(std::uint32_t ring_id, std::uint32_t sink_id, std::int64_t origin_mono_ns,
                     std::span<const std::uint8_t> stream_chunk);
  // Opens (or joins) the provider's ETW sink. Joining needs the same GUID, traits, capture file
  // (resolved) and force_writes; else kStateError. Live ETW where it does not exist, or a
  // registration Windows refuses, is kUnsupported. Like open_file_sink(), the reference is claimed by the
  // attach_etw_sink() that follows.
  Status open_etw_sink(const EtwSinkOptions& options, std::uint32_t& etw_sink_id);
  // As above with the output made by the caller (tests: a fake provider whose sessions they
  // drive); it is discarded when the provider's sink is already open.
  Status open_etw_sink(const EtwSinkOptions& options, std::unique_ptr<etw::EtwOutput> output,
                       std::uint32_t& etw_sink_id);
  // Give back an open that no attach claimed (a tracer whose construction failed in between):
  // the sink closes when that was its last reference. kStateError when the sink has no
  // unclaimed open, kRangeError for an unknown id.
  Status release_file_sink_open(std::uint32_t sink_id);
  Status release_etw_sink_open(std::uint32_t etw_sink_id);
  // Adds the ETW sink to an attached ring, before its first SCHEMA chunk (records of events
  // whose schema the sink has not seen are dropped and counted).
  Status attach_etw_sink(std::uint32_t ring_id, std::uint32_t etw_sink_id);
  Status write_chunk(std::uint32_t ring_id, std::span<const std::uint8_t> chunk);
  // Sets event `event_id`'s configuration gate (FORMAT.md section 1) and writes its eventGate
  // word: `gate` as is, or 0 while no ETW session wants the event when the ring is
  // session-gated (see Design). For configuration changes, never per event.
  Status set_event_gate(std::uint32_t ring_id, std::uint32_t event_id, std::uint32_t gate);
  Status flush(std::uint32_t ring_id);
  // Drains to the producer's cursor (the producer must have stopped), writes END, detaches and
  // closes the sink with its last ring. Idempotent.
  Status close_ring(std::uint32_t ring_id);
  // Closes the ring if needed and removes it from the registry (environment teardown).
  Status forget_ring(std::uint32_t ring_id);
  Status ring_stats(std::uint32_t ring_id, RingStats& stats);
  // Opens a live stream that queues `file_chunk` first; `budget_bytes` (kMinBudgetBytes ..
  // kMaxBudgetBytes, checked by the caller) bounds its EVENTS and LOSS bytes.
  std::uint32_t open_live_stream(std::span<const std::uint8_t> file_chunk,
                                 std::size_t budget_bytes);
  // Adds the live stream to an attached ring (before its first SCHEMA chunk) and queues
  // `stream_chunk`. kStateError when the ring is not attached or already has one.
  Status attach_live_stream(std::uint32_t ring_id, std::uint32_t live_id,
                            std::span<const std::uint8_t> stream_chunk);
  // Never takes mutex_ (see Design). kRangeError for an id that names no open stream.
  Status take_live_chunks(std::uint32_t live_id, std::size_t max_bytes, TakenChunks& taken);
  Status live_stream_stats(std::uint32_t live_id, LiveStreamStats& stats);
  // Releases the stream: attached rings stop queuing, queued chunks are freed. Idempotent; an
  // unknown id is not an error.
  void close_live_stream(std::uint32_t live_id);
  void set_drain_delay(std::uint32_t micros);

 private:
  enum class RingState { kCreated, kAttached, kClosed };

  // The refcount both sink kinds share.
  struct SinkRefs {
    std::uint32_t refs = 0;       // attached rings + opens not yet claimed by an attach
    std::uint32_t unclaimed = 0;  // opens not yet claimed by an attach

    void open() {
      ++refs;
      ++unclaimed;
    }
    void claim() {
      if (unclaimed > 0) {
        --unclaimed;
      } else {
        ++refs;
      }
    }
    // Drops an open's claim; the caller then releases its reference (release_sink()).
    bool unclaim() {
      if (unclaimed == 0) return false;
      --unclaimed;
      return true;
    }
  };

  struct SinkEntry : SinkRefs {
    std::uint32_t id;
    std::unique_ptr<FileSink> file;
  };

  struct EtwSinkEntry : SinkRefs {
    std::uint32_t id;
    std::string provider;
    std::vector<std::uint8_t> guid;
    std::vector<std::uint8_t> traits;
    std::string capture_key;  // resolved capture path, empty for ETW itself
    bool force_writes = false;
    std::unique_ptr<etw::EtwSink> sink;
  };

  struct RingEntry {
    std::uint32_t id;
    std::shared_ptr<RingMemory> memory;
    RingState state = RingState::kCreated;
    std::optional<RingConsumer> consumer;
    std::vector<std::uint64_t> scratch;  // one slice, allocated at attach
    SinkEntry* sink = nullptr;
    EtwSinkEntry* etw = nullptr;
    std::shared_ptr<LiveStream> live;  // from attach until the ring closes
    std::int64_t origin_mono_ns = 0;
    RingStats stats;
    // Loss the file has not shown yet (its chunks could not be written): written before the
    // ring's next chunk.
    ChunkAccount unreported;
    std::vector<std::uint32_t> config_gates;  // by event id, from set_event_gate()
  };

  Collector();
  // Takes `lifecycle` (if given) then `lock` within kExitLockWait (see Design), else neither.
  bool lock_bounded(std::unique_lock<std::mutex>* lifecycle, std::unique_lock<std::mutex>& lock);
  void run();
  static void close_all_at_exit();
  RingEntry* find_ring(std::uint32_t ring_id);
  Status find_attached(std::uint32_t ring_id, RingEntry*& ring);
  // Takes each ETW sink's latest session state; recomputes the gates of the rings it changed.
  void refresh_etw_sessions();
  void refresh_etw_session(EtwSinkEntry& etw);
  // Whether the ring's gates follow its ETW sessions: ETW is its only sink (see Design).
  static bool session_gated(const RingEntry& ring);
  void write_gate(RingEntry& ring, std::uint32_t event_id);
  void publish_session(RingEntry& ring);
  // A ring file with no other destination keeps its records: the file is the trace, and draining
  // it to nowhere would only make room to overwrite them (docs/flight-recorder.md).
  static bool keeps_records(const RingEntry& ring);
  void drain(RingEntry& ring, std::uint64_t end);
  void deliver(RingEntry& ring, const DrainSlice& slice);
  // Hands a chunk made for the ring to its file sink and live stream.
  void emit(RingEntry& ring, const FramedChunk& chunk);
  void deliver_unreported_lost(RingEntry& ring, const ProducerTotals& totals);
  // Writes the ring's unreported loss to its file sink (LOSS chunks, a LOST record): loss of
  // chunks the file could not write, so the file alone gets it.
  void write_unreported(RingEntry& ring);
  // Applies the accounts of the chunks `sink` could not write to their rings.
  void take_sink_failures(SinkEntry& sink);
  Status detach(RingEntry& ring);
  Status release_sink(SinkEntry* sink);
  Status release_etw_sink(EtwSinkEntry* etw);
  // Called with both locks held; releases mutex_ (through `lock`) to join the thread.
  void stop_thread_if_idle(std::unique_lock<std::mutex>& lock);

  std::mutex lifecycle_mutex_;
  std::mutex mutex_;
  std::atomic<bool> wedged_{false};  // a bounded wait timed out and none has succeeded since
  std::condition_variable wake_;
  std::thread thread_;
  bool stop_ = false;
  std::uint32_t drain_delay_micros_ = 0;
  std::map<std::uint32_t, std::unique_ptr<RingEntry>> rings_;
  std::vector<RingEntry*> attached_;
  std::map<std::uint32_t, std::unique_ptr<SinkEntry>> sinks_;
  std::map<std::string, SinkEntry*> sinks_by_path_;
  std::uint32_t next_sink_id_ = 1;
  std::map<std::uint32_t, std::unique_ptr<EtwSinkEntry>> etw_sinks_;
  std::map<std::string, EtwSinkEntry*> etw_sinks_by_provider_;
  std::uint32_t next_etw_sink_id_ = 1;
  std::mutex live_mutex_;  // guards live_streams_ and next_live_id_ (see Design)
  std::map<std::uint32_t, std::shared_ptr<LiveStream>> live_streams_;
  std::uint32_t next_live_id_ = 1;
};

}  // namespace ringtrace
