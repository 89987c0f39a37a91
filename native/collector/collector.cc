#include "collector.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "../etw/capture_output.h"
#include "../etw/etw_provider.h"
#include "../etw/tee_output.h"
#include "../recorder/ring_file.h"
#include "../sinks/chunk_format.h"
#include "../sinks/chunk_frame.h"

namespace ringtrace {
namespace {

// Ring ids are unique across the process: every isolate's addon instance shares this counter.
// Relaxed: the id only needs to be unique, it publishes nothing.
std::atomic<std::uint32_t> g_next_ring_id{1};

// Paths are compared after resolving them, so "./t.rtrc" and "/cwd/t.rtrc" share one sink.
// The names are UTF-8 on every OS: a std::string would be read in the ANSI code page on Windows.
std::string sink_key(const std::string& path) {
  std::error_code error;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(
      std::u8string(path.begin(), path.end()), error);
  if (error) return path;
  const std::u8string key = resolved.u8string();
  return std::string(key.begin(), key.end());
}

std::string ring_name(std::uint32_t ring_id) { return "ring " + std::to_string(ring_id); }

Status busy_error() {
  return Status::error(StatusCode::kStateError,
                       "the collector did not answer within 5 s (a sink write may hang)");
}

// Polls try_lock with short sleeps until `deadline`.
bool try_lock_until(std::unique_lock<std::mutex>& lock,
                    std::chrono::steady_clock::time_point deadline) {
  while (!lock.try_lock()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return true;
}

// One LOST record without (id, count) pairs (FORMAT.md section 2), for loss the collector reports.
struct LostRecord {
  alignas(8) std::uint8_t bytes[kLostPairsOffset] = {};

  LostRecord(double time, double ring_full, double invalid) {
    store_plain<std::uint32_t>(bytes, 0, record_word0(kLostPairsOffset, kLostId));
    store_plain<double>(bytes, kRecordTimestampOffset, time);
    store_plain<double>(bytes, kLostRingFullOffset, ring_full);
    store_plain<double>(bytes, kLostInvalidOffset, invalid);
  }
};

// The JSON of a SCHEMA chunk (a complete chunk as JS framed it), or empty for any other chunk.
std::string_view schema_json(std::span<const std::uint8_t> chunk) {
  if (chunk.size() < kChunkHeaderBytes) return {};
  std::uint16_t type;
  std::uint32_t length;
  std::memcpy(&type, chunk.data() + kChunkTypeOffset, sizeof type);
  std::memcpy(&length, chunk.data() + kChunkLengthOffset, sizeof length);
  if (type != static_cast<std::uint16_t>(ChunkType::kSchema) ||
      length > chunk.size() - kChunkHeaderBytes) {
    return {};
  }
  return std::string_view(reinterpret_cast<const char*>(chunk.data() + kChunkHeaderBytes), length);
}

bool same_bytes(const std::vector<std::uint8_t>& a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// The output `options` ask for: a capture file, the live provider, or (force_writes with a
// capture path) both.
Status make_etw_output(const EtwSinkOptions& options, std::unique_ptr<etw::EtwOutput>& output) {
  std::string error;
  std::unique_ptr<etw::EtwOutput> live;
  if (options.capture_path.empty() || options.force_writes) {
    live = etw::open_etw_provider(options.guid, options.traits, options.force_writes, error);
    if (!live) return Status::error(StatusCode::kUnsupported, error);
  }
  if (options.capture_path.empty()) {
    output = std::move(live);
    return {};
  }
  std::unique_ptr<etw::EtwOutput> capture =
      etw::CaptureOutput::open(options.capture_path, options.guid, options.traits,
                                options.capture_file, error);
  if (!capture) return Status::error(StatusCode::kIoError, error);
  output = live ? std::make_unique<etw::TeeOutput>(std::move(live), std::move(capture))
                : std::move(capture);
  return {};
}

}  // namespace

Collector& Collector::instance() {
  // Leaked on purpose: worker threads and the atexit handler may use it while static
  // destructors run, and a destroyed joinable std::thread would terminate the process.
  static Collector* const collector = new Collector();
  return *collector;
}

Collector::Collector() { std::atexit(&Collector::close_all_at_exit); }

// Polls try_lock rather than timed_mutex::try_lock_for: ThreadSanitizer does not see the
// pthread_mutex_clocklock that libstdc++ calls there, and would report the data the lock guards.
// Uncontended, the first try succeeds; contended, a drain pass ends within a few ms.
bool Collector::lock_bounded(std::unique_lock<std::mutex>* lifecycle,
                             std::unique_lock<std::mutex>& lock) {
  // Relaxed: a hint between JS threads that only shortens a wait; the locks order the rest.
  const bool wedged = wedged_.load(std::memory_order_relaxed);
  const auto deadline =
      std::chrono::steady_clock::now() + (wedged ? std::chrono::seconds(0) : kExitLockWait);
  if ((lifecycle != nullptr && !try_lock_until(*lifecycle, deadline)) ||
      !try_lock_until(lock, deadline)) {
    if (lifecycle != nullptr && lifecycle->owns_lock()) lifecycle->unlock();
    wedged_.store(true, std::memory_order_relaxed);
    return false;
  }
  if (wedged) wedged_.store(false, std::memory_order_relaxed);
  return true;
}

std::int64_t Collector::monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<RingMemory> Collector::create_ring(std::uint32_t capacity, bool overwrite,
                                                   std::uint32_t& id) {
  auto memory = std::make_shared<RingMemory>(capacity, overwrite);
  if (!memory->allocated()) return nullptr;
  id = g_next_ring_id.fetch_add(1, std::memory_order_relaxed);
  auto entry = std::make_unique<RingEntry>();
  entry->id = id;
  entry->memory = memory;
  std::lock_guard lock(mutex_);
  rings_.emplace(id, std::move(entry));
  return memory;
}

Status Collector::create_file_ring(std::uint32_t capacity, bool overwrite, const std::string& dir,
                                   std::uint32_t permissions, std::uint32_t& id,
                                   std::shared_ptr<RingMemory>& memory, std::string& path) {
  // Milliseconds since the epoch at the first ring file: with the pid, it names this process's
  // run in the directory. Initialised once, thread-safely, by the static's guard.
  static const std::uint64_t run = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  const std::uint32_t ring_id = g_next_ring_id.fetch_add(1, std::memory_order_relaxed);
  const std::uint32_t pid = RingFile::process_id();
  std::string name = std::to_string(pid) + "-" + std::to_string(run) + "-" +
                     std::to_string(ring_id) + ".ring";
  path = dir.empty() || dir.back() == '/' || dir.back() == '\\' ? dir + name : dir + "/" + name;
  std::string error;
  std::shared_ptr<RingFile> file =
      RingFile::create(path, kRingFileHeaderBytes + kControlBlockBytes + capacity, permissions, error);
  if (!file) return Status::error(StatusCode::kIoError, error);
  std::uint8_t* header = file->bytes();
  std::memcpy(header, kRingFileMagic, sizeof kRingFileMagic);
  store_plain<std::uint32_t>(header, kRingFileVersionOffset, kRingFileVersion);
  store_plain<std::uint32_t>(header, kRingFileHeaderSizeOffset, kRingFileHeaderBytes);
  store_plain<std::uint32_t>(header, kRingFileCapacityOffset, capacity);
  store_plain<std::uint32_t>(header, kRingFileFlagsOffset, overwrite ? kRingFileFlagOverwrite : 0);
  store_plain<std::uint32_t>(header, kRingFileRingIdOffset, ring_id);
  store_plain<std::uint32_t>(header, kRingFilePidOffset, pid);
  store_plain<std::uint32_t>(header, kRingFileStateOffset, kRingFileStateOpen);
  std::uint8_t* block = header + kRingFileHeaderBytes;
  memory = std::make_shared<RingMemory>(capacity, overwrite, std::move(file), block);
  id = ring_id;
  auto entry = std::make_unique<RingEntry>();
  entry->id = id;
  entry->memory = memory;
  std::lock_guard lock(mutex_);
  rings_.emplace(id, std::move(entry));
  return {};
}

Status Collector::open_file_sink(const std::string& path, const FileOpenOptions& options,
                                 std::int64_t flush_interval_ns,
                                 std::span<const std::uint8_t> file_chunk,
                                 std::uint32_t& sink_id) {
  const std::string key = sink_key(path);
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(nullptr, lock)) return busy_error();
  SinkEntry* sink = nullptr;
  if (auto it = sinks_by_path_.find(key); it != sinks_by_path_.end()) {
    sink = it->second;
  } else {
    std::string error;
    std::unique_ptr<FileSink> file = FileSink::open(path, options, file_chunk, error);
    if (!file) return Status::error(StatusCode::kIoError, error);
    auto entry = std::make_unique<SinkEntry>();
    entry->id = next_sink_id_++;
    entry->file = std::move(file);
    sink = entry.get();
    sinks_by_path_.emplace(key, sink);
    sinks_.emplace(sink->id, std::move(entry));
  }
  sink->file->limit_flush_interval(flush_interval_ns);
  // The reference this open takes is claimed by the attach that follows it, so another thread
  // closing its last ring on this path in between does not close the file under us.
  sink->open();
  sink_id = sink->id;
  return {};
}

Status Collector::attach_ring(std::uint32_t ring_id, std::uint32_t sink_id,
                              std::int64_t origin_mono_ns,
                              std::span<const std::uint8_t> stream_chunk) {
  std::unique_lock lifecycle(lifecycle_mutex_, std::defer_lock);
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(&lifecycle, lock)) return busy_error();
  RingEntry* ring = find_ring(ring_id);
  if (ring == nullptr) return Status::error(StatusCode::kRangeError, "Unknown " + ring_name(ring_id));
  if (ring->state != RingState::kCreated) {
    return Status::error(StatusCode::kStateError,
                         ring_name(ring_id) + (ring->state == RingState::kAttached
                                                   ? " is already attached"
                                                   : " is closed"));
  }
  SinkEntry* sink = nullptr;
  if (sink_id != 0) {
    auto it = sinks_.find(sink_id);
    if (it == sinks_.end()) {
      return Status::error(StatusCode::kRangeError, "Unknown sink id " + std::to_string(sink_id));
    }
    sink = it->second.get();
    sink->claim();
    sink->file->write_raw_chunk(stream_chunk);
  }
  const RingMemory& memory = *ring->memory;
  ring->consumer.emplace(memory.block(), memory.capacity(), memory.overwrite());
  ring->scratch.resize(RingConsumer::slice_bytes(memory.capacity()) / sizeof(std::uint64_t));
  ring->sink = sink;
  ring->origin_mono_ns = origin_mono_ns;
  ring->state = RingState::kAttached;
  attached_.push_back(ring);
  if (!thread_.joinable()) {
    stop_ = false;
    thread_ = std::thread(&Collector::run, this);
  }
  return {};
}

Status Collector::open_etw_sink(const EtwSinkOptions& options, std::uint32_t& etw_sink_id) {
  return open_etw_sink(options, nullptr, etw_sink_id);
}

Status Collector::open_etw_sink(const EtwSinkOptions& options,
                                std::unique_ptr<etw::EtwOutput> output,
                                std::uint32_t& etw_sink_id) {
  const std::string capture_key =
      options.capture_path.empty() ? std::string() : sink_key(options.capture_path);
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(nullptr, lock)) return busy_error();
  EtwSinkEntry* etw = nullptr;
  if (auto it = etw_sinks_by_provider_.find(options.provider); it != etw_sinks_by_provider_.end()) {
    etw = it->second;
    if (!same_bytes(etw->guid, options.guid) || !same_bytes(etw->traits, options.traits)) {
      return Status::error(StatusCode::kStateError,
                           "ETW provider " + options.provider +
                               " is already open with another GUID or traits");
    }
    if (etw->capture_key != capture_key) {
      const std::string open_as = etw->capture_key.empty()
                                      ? std::string("for ETW")
                                      : "with capture file " + etw->capture_key;
      return Status::error(StatusCode::kStateError,
                           "ETW provider " + options.provider + " is already open " + open_as);
    }
    if (etw->force_writes != options.force_writes) {
      return Status::error(StatusCode::kStateError,
                           "ETW provider " + options.provider + " is already open " +
                               (etw->force_writes ? "with" : "without") + " forceWrites");
    }
  } else {
    if (!output) {
      if (Status status = make_etw_output(options, output); !status.ok()) return status;
    }
    auto entry = std::make_unique<EtwSinkEntry>();
    entry->id = next_etw_sink_id_++;
    entry->provider = options.provider;
    entry->guid.assign(options.guid.begin(), options.guid.end());
    entry->traits.assign(options.traits.begin(), options.traits.end());
    entry->capture_key = capture_key;
    entry->force_writes = options.force_writes;
    entry->sink = std::make_unique<etw::EtwSink>(options.traits, std::move(output));
    etw = entry.get();
    etw_sinks_by_provider_.emplace(options.provider, etw);
    etw_sinks_.emplace(etw->id, std::move(entry));
  }
  etw->open();
  etw_sink_id = etw->id;
  return {};
}

Status Collector::release_file_sink_open(std::uint32_t sink_id) {
  std::lock_guard lock(mutex_);
  auto it = sinks_.find(sink_id);
  if (it == sinks_.end()) {
    return Status::error(StatusCode::kRangeError, "Unknown sink id " + std::to_string(sink_id));
  }
  if (!it->second->unclaim()) {
    return Status::error(StatusCode::kStateError,
                         "Sink id " + std::to_string(sink_id) + " has no unclaimed open");
  }
  return release_sink(it->second.get());
}

Status Collector::release_etw_sink_open(std::uint32_t etw_sink_id) {
  std::lock_guard lock(mutex_);
  auto it = etw_sinks_.find(etw_sink_id);
  if (it == etw_sinks_.end()) {
    return Status::error(StatusCode::kRangeError,
                         "Unknown ETW sink id " + std::to_string(etw_sink_id));
  }
  if (!it->second->unclaim()) {
    return Status::error(StatusCode::kStateError,
                         "ETW sink id " + std::to_string(etw_sink_id) + " has no unclaimed open");
  }
  return release_etw_sink(it->second.get());
}

Status Collector::attach_etw_sink(std::uint32_t ring_id, std::uint32_t etw_sink_id) {
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(nullptr, lock)) return busy_error();
  RingEntry* ring = nullptr;
  if (Status status = find_attached(ring_id, ring); !status.ok()) return status;
  auto it = etw_sinks_.find(etw_sink_id);
  if (it == etw_sinks_.end()) {
    return Status::error(StatusCode::kRangeError,
                         "Unknown ETW sink id " + std::to_string(etw_sink_id));
  }
  if (ring->etw != nullptr) {
    return Status::error(StatusCode::kStateError, ring_name(ring_id) + " already has an ETW sink");
  }
  ring->etw = it->second.get();
  ring->etw->claim();
  publish_session(*ring);
  return {};
}

Status Collector::write_chunk(std::uint32_t ring_id, std::span<const std::uint8_t> chunk) {
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(nullptr, lock)) return busy_error();
  RingEntry* ring = nullptr;
  if (Status status = find_attached(ring_id, ring); !status.ok()) return status;
  drain(*ring, ring->consumer->published_end());
  if (ring->sink != nullptr) {
    ring->sink->file->write_raw_chunk(chunk);
    take_sink_failures(*ring->sink);
  }
  if (ring->live != nullptr) ring->live->push_raw(chunk);
  if (ring->etw != nullptr) {
    if (const std::string_view json = schema_json(chunk); !json.empty()) {
      ring->etw->sink->add_schema(ring->id, json);
    }
  }
  return {};
}

Status Collector::set_event_gate(std::uint32_t ring_id, std::uint32_t event_id,
                                 std::uint32_t gate) {
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(nullptr, lock)) return busy_error();
  RingEntry* ring = nullptr;
  if (Status status = find_attached(ring_id, ring); !status.ok()) return status;
  if (event_id < kFirstEventId || event_id >= kMaxEvents) {
    return Status::error(StatusCode::kRangeError,
                         "Expected an event id from " + std::to_string(kFirstEventId) + " to " +
                             std::to_string(kMaxEvents - 1) + ", got " + std::to_string(event_id));
  }
  // The latest sessions first: a gate computed from an older state would stand until the next
  // drain pass.
  if (ring->etw != nullptr) refresh_etw_session(*ring->etw);
  if (ring->config_gates.size() <= event_id) ring->config_gates.resize(event_id + 1, kGateOff);
  ring->config_gates[event_id] = gate;
  write_gate(*ring, event_id);
  return {};
}

Status Collector::flush(std::uint32_t ring_id) {
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(nullptr, lock)) return busy_error();
  RingEntry* ring = find_ring(ring_id);
  if (ring == nullptr) return Status::error(StatusCode::kRangeError, "Unknown " + ring_name(ring_id));
  // Nothing to flush before attach or after close; flushing then is harmless, not an error.
  if (ring->state != RingState::kAttached) return {};
  if (ring->etw != nullptr) refresh_etw_session(*ring->etw);
  drain(*ring, ring->consumer->published_end());
  if (ring->sink != nullptr) {
    // A ring whose loss the file has not shown yet shows it now, if the file takes it.
    write_unreported(*ring);
    const bool ok = ring->sink->file->flush();
    take_sink_failures(*ring->sink);
    if (!ok) return Status::error(StatusCode::kIoError, ring->sink->file->error_message());
  }
  if (ring->etw != nullptr && !ring->etw->sink->flush()) {
    return Status::error(StatusCode::kIoError, ring->etw->sink->error_message());
  }
  return {};
}

Status Collector::close_ring(std::uint32_t ring_id) {
  std::unique_lock lifecycle(lifecycle_mutex_, std::defer_lock);
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(&lifecycle, lock)) return busy_error();
  RingEntry* ring = find_ring(ring_id);
  if (ring == nullptr) return Status::error(StatusCode::kRangeError, "Unknown " + ring_name(ring_id));
  Status status = detach(*ring);
  stop_thread_if_idle(lock);
  return status;
}

Status Collector::forget_ring(std::uint32_t ring_id) {
  std::unique_lock lifecycle(lifecycle_mutex_, std::defer_lock);
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(&lifecycle, lock)) return busy_error();
  auto it = rings_.find(ring_id);
  if (it == rings_.end()) return {};
  Status status = detach(*it->second);
  rings_.erase(it);
  stop_thread_if_idle(lock);
  return status;
}

Status Collector::ring_stats(std::uint32_t ring_id, RingStats& stats) {
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(nullptr, lock)) return busy_error();
  RingEntry* ring = find_ring(ring_id);
  if (ring == nullptr) return Status::error(StatusCode::kRangeError, "Unknown " + ring_name(ring_id));
  stats = ring->stats;
  return {};
}

std::uint32_t Collector::open_live_stream(std::span<const std::uint8_t> file_chunk,
                                         std::size_t budget_bytes) {
  auto stream = std::make_shared<LiveStream>(file_chunk, budget_bytes);
  std::lock_guard lock(live_mutex_);
  const std::uint32_t id = next_live_id_++;
  live_streams_.emplace(id, std::move(stream));
  return id;
}

Status Collector::attach_live_stream(std::uint32_t ring_id, std::uint32_t live_id,
                                     std::span<const std::uint8_t> stream_chunk) {
  std::unique_lock lock(mutex_, std::defer_lock);
  if (!lock_bounded(nullptr, lock)) return busy_error();
  RingEntry* ring = nullptr;
  if (Status status = find_attached(ring_id, ring); !status.ok()) return status;
  if (ring->live != nullptr) {
    return Status::error(StatusCode::kStateError, ring_name(ring_id) + " already has a live stream");
  }
  {
    std::lock_guard live_lock(live_mutex_);
    auto it = live_streams_.find(live_id);
    if (it == live_streams_.end()) {
      return Status::error(StatusCode::kRangeError,
                           "Unknown live stream id " + std::to_string(live_id));
    }
    ring->live = it->second;
  }
  ring->live->push_raw(stream_chunk);
  // A session-gated ring (ETW alone) is not any more: its gates open as configured.
  if (ring->etw != nullptr) {
    publish_session(*ring);
    for (std::uint32_t id = kFirstEventId; id < ring->config_gates.size(); ++id) {
      write_gate(*ring, id);
    }
  }
  return {};
}

Status Collector::take_live_chunks(std::uint32_t live_id, std::size_t max_bytes,
                                   TakenChunks& taken) {
  std::shared_ptr<LiveStream> stream;
  {
    std::lock_guard lock(live_mutex_);
    auto it = live_streams_.find(live_id);
    if (it == live_streams_.end()) {
      return Status::error(StatusCode::kRangeError,
                           "Unknown live stream id " + std::to_string(live_id));
    }
    stream = it->second;
  }
  taken = stream->take(max_bytes);
  return {};
}

Status Collector::live_stream_stats(std::uint32_t live_id, LiveStreamStats& stats) {
  std::lock_guard lock(live_mutex_);
  auto it = live_streams_.find(live_id);
  if (it == live_streams_.end()) {
    return Status::error(StatusCode::kRangeError,
                         "Unknown live stream id " + std::to_string(live_id));
  }
  stats = it->second->stats();
  return {};
}

void Collector::close_live_stream(std::uint32_t live_id) {
  std::shared_ptr<LiveStream> stream;
  {
    std::lock_guard lock(live_mutex_);
    auto it = live_streams_.find(live_id);
    if (it == live_streams_.end()) return;
    stream = std::move(it->second);
    live_streams_.erase(it);
  }
  stream->close();
}

void Collector::set_drain_delay(std::uint32_t micros) {
  std::lock_guard lock(mutex_);
  drain_delay_micros_ = micros;
}

void Collector::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    refresh_etw_sessions();
    bool busy = false;
    for (RingEntry* ring : attached_) {
      // A ring that held a quarter of its capacity fills again within a few intervals at that
      // rate: drain again at once instead of sleeping (the producer never has to wake us).
      const std::uint64_t end = ring->consumer->published_end();
      busy |= (end - ring->consumer->read_position()) * 4 >= ring->memory->capacity();
      drain(*ring, end);
    }
    const std::int64_t now = monotonic_ns();
    for (auto& [id, sink] : sinks_) {
      sink->file->flush_if_due(now);
      take_sink_failures(*sink);
    }
    if (drain_delay_micros_ != 0) {
      // The test hook slows the consumer down, not the JS threads: sleep without the lock.
      const auto delay = std::chrono::microseconds(drain_delay_micros_);
      lock.unlock();
      std::this_thread::sleep_for(delay);
      lock.lock();
    }
    if (busy) {
      // Let JS threads waiting in flush() or close() take the lock between passes.
      lock.unlock();
      std::this_thread::yield();
      lock.lock();
    } else {
      wake_.wait_for(lock, kDrainInterval, [this] { return stop_; });
    }
  }
}

// Process exit without environment teardown (process.exit() may skip cleanup hooks): close
// what is still attached so that files end with their END chunks. By now the JS threads have
// stopped (Node stops workers before it exits), so draining to the cursor is safe.
void Collector::close_all_at_exit() {
  Collector& self = instance();
  std::unique_lock lifecycle(self.lifecycle_mutex_, std::defer_lock);
  std::unique_lock lock(self.mutex_, std::defer_lock);
  // A collector stuck in a sink write must not keep the process from ending; its files then
  // end without END chunks, which readers report as streams whose ending is unknown.
  if (!self.lock_bounded(&lifecycle, lock)) return;
  while (!self.attached_.empty()) {
    // No one to report to at exit: a file that failed has said so at its last flush or close.
    static_cast<void>(self.detach(*self.attached_.front()));
  }
  self.stop_thread_if_idle(lock);
}

Collector::RingEntry* Collector::find_ring(std::uint32_t ring_id) {
  auto it = rings_.find(ring_id);
  return it == rings_.end() ? nullptr : it->second.get();
}

Status Collector::find_attached(std::uint32_t ring_id, RingEntry*& ring) {
  ring = find_ring(ring_id);
  if (ring == nullptr) return Status::error(StatusCode::kRangeError, "Unknown " + ring_name(ring_id));
  if (ring->state != RingState::kAttached) {
    return Status::error(StatusCode::kStateError,
                         ring_name(ring_id) + (ring->state == RingState::kCreated
                                                   ? " is not attached"
                                                   : " is closed"));
  }
  return {};
}

void Collector::refresh_etw_sessions() {
  for (auto& [id, etw] : etw_sinks_) refresh_etw_session(*etw);
}

void Collector::refresh_etw_session(EtwSinkEntry& etw) {
  if (!etw.sink->refresh_session()) return;
  for (RingEntry* ring : attached_) {
    if (ring->etw != &etw) continue;
    publish_session(*ring);
    for (std::uint32_t id = kFirstEventId; id < ring->config_gates.size(); ++id) {
      write_gate(*ring, id);
    }
  }
}

// The session words tracer.isEnabled() reads (FORMAT.md section 1). JS reads them with plain
// loads and may see a mix of an old and a new state for a moment, as it may see an old gate:
// relaxed stores, each word whole, are all that needs.
void Collector::publish_session(RingEntry& ring) {
  std::uint8_t* block = ring.memory->block();
  const bool follows = session_gated(ring);
  const etw::SessionState& session = follows ? ring.etw->sink->session() : etw::SessionState{};
  const std::uint32_t flags = (follows ? kEtwSessionFollows : 0u) |
                              (follows && session.enabled ? kEtwSessionOn : 0u) |
                              (std::uint32_t{session.level} << 8);
  atomic_u64(block, kEtwMatchAnyOffset).store(session.any, std::memory_order_relaxed);
  atomic_u64(block, kEtwMatchAllOffset).store(session.all, std::memory_order_relaxed);
  atomic_u32(block, kEtwSessionOffset).store(flags, std::memory_order_relaxed);
}

// A live stream wants every event whatever ETW sessions want, as a file does.
bool Collector::session_gated(const RingEntry& ring) {
  return ring.sink == nullptr && ring.live == nullptr && ring.etw != nullptr &&
         ring.etw->sink->follows_sessions();
}

void Collector::write_gate(RingEntry& ring, std::uint32_t event_id) {
  std::uint32_t gate = ring.config_gates[event_id];
  if (session_gated(ring) && !ring.etw->sink->wants(ring.id, static_cast<std::uint16_t>(event_id))) {
    gate = kGateOff;
  }
  // The producer reads its gate with a plain load per event (FORMAT.md section 1: a stale value
  // for a moment is harmless); relaxed is enough, and keeps the store whole.
  atomic_u32(ring.memory->block(), kEventGateOffset + 4 * std::size_t{event_id})
      .store(gate, std::memory_order_relaxed);
}

bool Collector::keeps_records(const RingEntry& ring) {
  return ring.memory->file() != nullptr && ring.sink == nullptr && ring.etw == nullptr &&
         ring.live == nullptr;
}

void Collector::drain(RingEntry& ring, std::uint64_t end) {
  // coarseClock is consumer owned; JS reads it with a plain load, so relaxed is all it needs:
  // a clock a moment old is the point of a coarse clock. The bits go in whole (one 8-byte store).
  const double clock_ms = static_cast<double>(monotonic_ns() - ring.origin_mono_ns) / 1e6;
  atomic_u64(ring.memory->block(), kCoarseClockOffset)
      .store(std::bit_cast<std::uint64_t>(clock_ms), std::memory_order_relaxed);
  if (keeps_records(ring)) return;
  DrainSlice slice;
  while (ring.consumer->next_slice(end, ring.scratch, slice)) {
    deliver(ring, slice);
    // Resynchronised at the producer's writePos: `end` no longer means anything.
    if (slice.corrupt) break;
  }
}

void Collector::deliver(RingEntry& ring, const DrainSlice& slice) {
  RingStats& stats = ring.stats;
  stats.delivered += slice.events;
  stats.lost_ring_full += slice.lost_ring_full;
  stats.lost_invalid += slice.lost_invalid;
  stats.lost_overwritten += slice.overwritten;
  stats.lost_corrupt += slice.lost_corrupt;
  stats.corrupt_bytes += slice.corrupt_bytes;
  stats.bytes += slice.record_bytes;
  if (ring.etw != nullptr && !slice.records.empty()) {
    const etw::EtwWriteCounts counts = ring.etw->sink->write_records(ring.id, slice.records);
    stats.etw_dropped += counts.dropped;
    stats.etw_write_errors += counts.write_errors;
  }
  if (ring.sink == nullptr && ring.live == nullptr) return;
  // Loss before the EVENTS chunk whose first record revealed the gap: what earlier chunks the
  // file could not write carried (the file's own), then this slice's (every sink's).
  if (ring.sink != nullptr) write_unreported(ring);
  if (slice.overwritten != 0) {
    emit(ring, FramedChunk::loss(ring.id, kLossReasonOverwritten, slice.overwritten));
  }
  if (slice.lost_corrupt != 0) {
    emit(ring, FramedChunk::loss(ring.id, kLossReasonUnwritten, slice.lost_corrupt));
  }
  if (!slice.records.empty()) {
    ChunkAccount account;
    account.events = slice.events;
    account.ring_full = slice.lost_ring_full;
    account.invalid = slice.lost_invalid;
    emit(ring, FramedChunk::events(ring.id, slice.records, account));
  }
  if (ring.sink != nullptr) take_sink_failures(*ring.sink);
}

void Collector::emit(RingEntry& ring, const FramedChunk& chunk) {
  if (ring.sink != nullptr) ring.sink->file->write(chunk);
  if (ring.live != nullptr && ring.live->push(chunk) == LiveStream::Push::kDropped) {
    const ChunkAccount& account = chunk.account();
    ring.stats.live_dropped += account.events;
    ring.stats.live_dropped_lost += account.ring_full + account.invalid +
                                    static_cast<double>(account.overwritten + account.unwritten);
  }
}

void Collector::write_unreported(RingEntry& ring) {
  ChunkAccount loss = ring.unreported;
  if (loss.empty()) return;
  ring.unreported = ChunkAccount{};
  FileSink& file = *ring.sink->file;
  if (loss.overwritten != 0) {
    file.write(FramedChunk::loss(ring.id, kLossReasonOverwritten, loss.overwritten));
  }
  if (loss.unwritten != 0) file.write(FramedChunk::loss(ring.id, kLossReasonUnwritten, loss.unwritten));
  if (loss.ring_full != 0 || loss.invalid != 0) {
    // The LOST records of lost chunks, summed into one: the in-band sums match the producer's
    // again. Counted as delivered LOST sums (the closing LOST record reports the rest).
    const LostRecord record(load_plain<double>(ring.memory->block(), kLastTimeOffset),
                            loss.ring_full, loss.invalid);
    ChunkAccount account;
    account.ring_full = loss.ring_full;
    account.invalid = loss.invalid;
    ring.stats.lost_ring_full += loss.ring_full;
    ring.stats.lost_invalid += loss.invalid;
    file.write(FramedChunk::events(
        ring.id, std::span<const std::uint8_t>(record.bytes, sizeof record.bytes), account));
  }
}

void Collector::take_sink_failures(SinkEntry& sink) {
  for (const ChunkAccount& lost : sink.file->take_failures()) {
    RingEntry* ring = find_ring(lost.stream);
    // A ring closed since has given its final counts; its END (kept by the sink) still comes.
    if (ring == nullptr || ring->state != RingState::kAttached) continue;
    RingStats& stats = ring->stats;
    stats.delivered -= lost.events;
    stats.lost_unwritten += lost.events;
    stats.lost_ring_full -= lost.ring_full;
    stats.lost_invalid -= lost.invalid;
    ChunkAccount& unreported = ring->unreported;
    unreported.unwritten += lost.events + lost.unwritten;
    unreported.overwritten += lost.overwritten;
    unreported.ring_full += lost.ring_full;
    unreported.invalid += lost.invalid;
  }
}

// The producer's totals minus what delivered LOST records reported: drops after its last LOST
// record (it writes one only before its next successful record) and, in overwrite mode, LOST
// records that were themselves overwritten (they carry no seq, so no gap reveals them). At close
// the collector writes one LOST record for that difference (no per-id pairs: those live in
// producer memory), so that the in-band sums match END.
void Collector::deliver_unreported_lost(RingEntry& ring, const ProducerTotals& totals) {
  // What lost chunks carried is reported by write_unreported(), not here.
  const double ring_full =
      std::max(totals.ring_full - ring.stats.lost_ring_full - ring.unreported.ring_full, 0.0);
  const double invalid =
      std::max(totals.invalid - ring.stats.lost_invalid - ring.unreported.invalid, 0.0);
  if (ring_full <= 0 && invalid <= 0) return;
  const LostRecord record(totals.last_time, ring_full, invalid);
  DrainSlice slice;
  slice.records = std::span<const std::uint8_t>(record.bytes, sizeof record.bytes);
  slice.lost_ring_full = ring_full;
  slice.lost_invalid = invalid;
  slice.record_bytes = sizeof record.bytes;
  deliver(ring, slice);
}

Status Collector::detach(RingEntry& ring) {
  if (ring.state == RingState::kClosed) return {};
  Status status;
  if (ring.state == RingState::kAttached && keeps_records(ring)) {
    // Nothing was taken out, so there is nothing to account: the file holds it all.
    attached_.erase(std::find(attached_.begin(), attached_.end(), &ring));
    ring.consumer.reset();
    ring.scratch = {};
  } else if (ring.state == RingState::kAttached) {
    drain(ring, ring.consumer->cursor_end_at_teardown());
    const ProducerTotals totals = ring.consumer->totals_at_teardown();
    deliver_unreported_lost(ring, totals);
    // Events overwritten (or skipped with corrupt bytes) after the last record that survived
    // have no later seq to reveal them.
    if (totals.events > ring.consumer->next_seq()) {
      DrainSlice tail_loss;
      const std::uint64_t missing = totals.events - ring.consumer->next_seq();
      (ring.consumer->corrupt_gap_pending() ? tail_loss.lost_corrupt : tail_loss.overwritten) =
          missing;
      deliver(ring, tail_loss);
    }
    if (ring.sink != nullptr) write_unreported(ring);
    emit(ring, FramedChunk::end(ring.id,
                                static_cast<double>(totals.events) + totals.ring_full +
                                    totals.invalid,
                                totals.ring_full, totals.invalid));
    ring.live.reset();
    if (ring.sink != nullptr) {
      status = release_sink(ring.sink);
      ring.sink = nullptr;
    }
    if (ring.etw != nullptr) {
      ring.etw->sink->forget_ring(ring.id);
      const Status etw_status = release_etw_sink(ring.etw);
      if (status.ok()) status = etw_status;
      ring.etw = nullptr;
    }
    attached_.erase(std::find(attached_.begin(), attached_.end(), &ring));
    ring.consumer.reset();
    ring.scratch = {};
  }
  ring.state = RingState::kClosed;
  // After the last drain: `ringtrace recover` then knows the producer had stopped. A plain store
  // (see recorder/ring_file.h: the header is only read once the process has gone).
  if (RingFile* file = ring.memory->file(); file != nullptr) {
    store_plain<std::uint32_t>(file->bytes(), kRingFileStateOffset, kRingFileStateClosed);
  }
  ring.memory.reset();
  return status;
}

Status Collector::release_sink(SinkEntry* sink) {
  FileSink& file = *sink->file;
  const bool ok = --sink->refs != 0 ? file.flush() : file.close();
  take_sink_failures(*sink);
  Status status = ok ? Status{} : Status::error(StatusCode::kIoError, file.error_message());
  if (sink->refs == 0) {
    sinks_by_path_.erase(std::find_if(sinks_by_path_.begin(), sinks_by_path_.end(),
                                      [sink](const auto& entry) { return entry.second == sink; }));
    sinks_.erase(sink->id);
  }
  return status;
}

Status Collector::release_etw_sink(EtwSinkEntry* etw) {
  etw::EtwSink& sink = *etw->sink;
  const bool ok = --etw->refs != 0 ? sink.flush() : sink.close();
  Status status = ok ? Status{} : Status::error(StatusCode::kIoError, sink.error_message());
  if (etw->refs == 0) {
    etw_sinks_by_provider_.erase(etw->provider);
    etw_sinks_.erase(etw->id);
  }
  return status;
}

void Collector::stop_thread_if_idle(std::unique_lock<std::mutex>& lock) {
  if (!attached_.empty() || !thread_.joinable()) return;
  stop_ = true;
  wake_.notify_all();
  std::thread thread = std::move(thread_);
  lock.unlock();
  thread.join();
}

}  // namespace ringtrace
