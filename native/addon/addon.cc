// The N-API surface of ringtrace: exactly binding.d.ts, and nothing else. Every function checks
// its arguments, then calls the native core (native/collector) and maps its Status onto a JS
// error. The addon is context aware: each environment (main thread, every worker) gets its own
// instance, which remembers the rings it created and closes them when the environment goes away.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "collector/collector.h"
#include "etw/capture_writer.h"
#include "etw/event_encoder.h"
#include "etw/provider_traits.h"
#include "etw/schema_json.h"
#include "ring/ring_layout.h"
#include "sinks/file_open.h"

namespace ringtrace {
namespace {

constexpr const char* kOrdinals[] = {"first", "second", "third", "fourth", "fifth"};
constexpr std::uint32_t kMaxDrainDelayMicros = 10'000'000;
constexpr std::uint32_t kMaxFlushIntervalMs = 3'600'000;

Napi::Value throw_error(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  error.ThrowAsJavaScriptException();
  return error.Env().Undefined();
}

Napi::Value throw_type_error(Napi::Env env, std::size_t index, const char* expected) {
  return throw_error(Napi::TypeError::New(env, std::string("Expected ") + kOrdinals[index] +
                                                   " argument to be " + expected),
                     "ERR_INVALID_ARG_TYPE");
}

Napi::Value throw_range_error(Napi::Env env, const std::string& message) {
  return throw_error(Napi::RangeError::New(env, message), "ERR_OUT_OF_RANGE");
}

// Throws the JS error a failed Status stands for; returns undefined either way.
Napi::Value throw_status(Napi::Env env, const Status& status) {
  switch (status.code) {
    case StatusCode::kOk:
      break;
    case StatusCode::kRangeError:
      return throw_range_error(env, status.message);
    case StatusCode::kStateError:
      return throw_error(Napi::Error::New(env, status.message), "ERR_RINGTRACE_STATE");
    case StatusCode::kIoError:
      return throw_error(Napi::Error::New(env, status.message), "ERR_RINGTRACE_IO");
    case StatusCode::kUnsupported:
      return throw_error(Napi::Error::New(env, status.message), "ERR_RINGTRACE_UNSUPPORTED");
  }
  return env.Undefined();
}

// Argument readers: false means a JS exception is pending and the caller returns at once.
bool read_u32(const Napi::CallbackInfo& info, std::size_t index, const char* what,
              std::uint32_t& out) {
  if (!info[index].IsNumber()) {
    throw_type_error(info.Env(), index, (std::string("a ") + what + " (number)").c_str());
    return false;
  }
  const double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= 0 && value <= 4294967295.0) || std::trunc(value) != value) {
    throw_range_error(info.Env(), std::string("Expected ") + kOrdinals[index] +
                                      " argument to be a " + what +
                                      " (an integer from 0 to 2^32 - 1)");
    return false;
  }
  out = static_cast<std::uint32_t>(value);
  return true;
}

bool read_bool(const Napi::CallbackInfo& info, std::size_t index, const char* what, bool& out) {
  if (!info[index].IsBoolean()) {
    throw_type_error(info.Env(), index, (std::string("a boolean (") + what + ")").c_str());
    return false;
  }
  out = info[index].As<Napi::Boolean>().Value();
  return true;
}

bool read_bytes(const Napi::CallbackInfo& info, std::size_t index, const char* what,
                std::span<const std::uint8_t>& out) {
  if (!info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw_type_error(info.Env(), index, (std::string("a Uint8Array (") + what + ")").c_str());
    return false;
  }
  auto bytes = info[index].As<Napi::Uint8Array>();
  out = std::span<const std::uint8_t>(bytes.Data(), bytes.ByteLength());
  return true;
}

// How a file is created, from (permissions, followSymlinks) at `index`, `index + 1`; both may be
// undefined (0600, no symbolic link followed).
bool read_file_options(const Napi::CallbackInfo& info, std::size_t index, FileOpenOptions& out) {
  if (!info[index].IsUndefined()) {
    if (!read_u32(info, index, "permission bits", out.permissions)) return false;
    if (out.permissions > 0777) {
      throw_range_error(info.Env(), std::string("Expected ") + kOrdinals[index] +
                                        " argument to be permission bits from 0 to 0o777");
      return false;
    }
  }
  if (!info[index + 1].IsUndefined() &&
      !read_bool(info, index + 1, "followSymlinks", out.follow_symlinks)) {
    return false;
  }
  return true;
}

class RingtraceAddon : public Napi::Addon<RingtraceAddon> {
 public:
  RingtraceAddon(Napi::Env env, Napi::Object exports)
      : env_rings_(std::make_shared<std::vector<std::uint32_t>>()),
        env_live_streams_(std::make_shared<std::vector<std::uint32_t>>()) {
    DefineAddon(exports, {
        InstanceMethod("createRing", &RingtraceAddon::JS_createRing, napi_enumerable),
        InstanceMethod("openFileSink", &RingtraceAddon::JS_openFileSink, napi_enumerable),
        InstanceMethod("releaseFileSink", &RingtraceAddon::JS_releaseFileSink, napi_enumerable),
        InstanceMethod("attachRing", &RingtraceAddon::JS_attachRing, napi_enumerable),
        InstanceMethod("openEtwSink", &RingtraceAddon::JS_openEtwSink, napi_enumerable),
        InstanceMethod("releaseEtwSink", &RingtraceAddon::JS_releaseEtwSink, napi_enumerable),
        InstanceMethod("attachEtwSink", &RingtraceAddon::JS_attachEtwSink, napi_enumerable),
        InstanceMethod("writeChunk", &RingtraceAddon::JS_writeChunk, napi_enumerable),
        InstanceMethod("setEventGate", &RingtraceAddon::JS_setEventGate, napi_enumerable),
        InstanceMethod("flush", &RingtraceAddon::JS_flush, napi_enumerable),
        InstanceMethod("closeRing", &RingtraceAddon::JS_closeRing, napi_enumerable),
        InstanceMethod("ringStats", &RingtraceAddon::JS_ringStats, napi_enumerable),
        InstanceMethod("openLiveStream", &RingtraceAddon::JS_openLiveStream, napi_enumerable),
        InstanceMethod("attachLiveStream", &RingtraceAddon::JS_attachLiveStream, napi_enumerable),
        InstanceMethod("takeLiveChunks", &RingtraceAddon::JS_takeLiveChunks, napi_enumerable),
        InstanceMethod("liveStreamStats", &RingtraceAddon::JS_liveStreamStats, napi_enumerable),
        InstanceMethod("closeLiveStream", &RingtraceAddon::JS_closeLiveStream, napi_enumerable),
        InstanceMethod("setDrainDelay", &RingtraceAddon::JS_setDrainDelay, napi_enumerable),
        InstanceMethod("setWriteFault", &RingtraceAddon::JS_setWriteFault, napi_enumerable),
        InstanceMethod("monotonicNs", &RingtraceAddon::JS_monotonicNs, napi_enumerable),
        InstanceMethod("etwEncodeCapture", &RingtraceAddon::JS_etwEncodeCapture, napi_enumerable),
    });
    // Runs when the environment is torn down (worker exit or termination, main thread exit),
    // on its own thread once JS has stopped: the producer's plain stores (cursor, counters) are
    // visible, so every ring this environment made is drained to its cursor, ends with END and
    // leaves the registry. The list is shared with the hook so the hook does not depend on the
    // order in which Node frees the addon instance. The live streams it opened close after
    // its rings, so they get those rings' END chunks first; a stream is its opener's, whichever
    // thread takes from it.
    env.AddCleanupHook([rings = env_rings_, live_streams = env_live_streams_] {
      // A cleanup hook has no JS to report to; a file that failed said so at its last flush.
      for (std::uint32_t id : *rings) static_cast<void>(Collector::instance().forget_ring(id));
      rings->clear();
      for (std::uint32_t id : *live_streams) Collector::instance().close_live_stream(id);
      live_streams->clear();
    });
  }

 private:
  Napi::Value JS_createRing(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsNumber()) return throw_type_error(env, 0, "a ring capacity (number)");
    const double capacity = info[0].As<Napi::Number>().DoubleValue();
    if (!is_valid_capacity(capacity)) {
      return throw_range_error(env, "Expected first argument to be a ring capacity: a power of "
                                    "two from 4096 to 1073741824");
    }
    bool overwrite = false;
    if (!read_bool(info, 1, "overwrite", overwrite)) return env.Undefined();

    // Optional: a ring directory (createTracer's ringDir) and the ring file's permission bits.
    std::string ring_dir;
    FileOpenOptions file_options;
    if (!info[2].IsUndefined()) {
      if (!info[2].IsString()) return throw_type_error(env, 2, "a ring directory (string)");
      ring_dir = info[2].As<Napi::String>().Utf8Value();
      if (ring_dir.empty() || ring_dir.find('\0') != std::string::npos) {
        return throw_range_error(env, "Expected third argument to be a non-empty directory path");
      }
      if (!read_file_options(info, 3, file_options)) return env.Undefined();
    }

    std::uint32_t id = 0;
    std::shared_ptr<RingMemory> memory;
    std::string path;
    if (!ring_dir.empty()) {
      const Status status = Collector::instance().create_file_ring(
          static_cast<std::uint32_t>(capacity), overwrite, ring_dir, file_options.permissions, id,
          memory, path);
      if (!status.ok()) return throw_status(env, status);
    } else {
      memory = Collector::instance().create_ring(static_cast<std::uint32_t>(capacity), overwrite, id);
    }
    if (!memory) {
      return throw_error(Napi::Error::New(env, "Cannot allocate " +
                                                   std::to_string(static_cast<std::uint64_t>(capacity) + kControlBlockBytes) +
                                                   " bytes for a ring"),
                         "ERR_RINGTRACE_NO_MEMORY");
    }
    env_rings_->push_back(id);
    // The ArrayBuffer's share of the memory: released by its finalizer.
    auto* hint = new std::shared_ptr<RingMemory>(memory);
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
        env, memory->block(), memory->size(),
        [](Napi::Env, void*, std::shared_ptr<RingMemory>* share) { delete share; }, hint);
    if (env.IsExceptionPending()) {
      delete hint;
      return env.Undefined();
    }
    Napi::Object ring = Napi::Object::New(env);
    ring.Set("id", Napi::Number::New(env, id));
    ring.Set("buffer", buffer);
    if (!path.empty()) ring.Set("path", Napi::String::New(env, path));
    return ring;
  }

  Napi::Value JS_openFileSink(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) return throw_type_error(env, 0, "a file path (string)");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    if (path.empty() || path.find('\0') != std::string::npos) {
      return throw_range_error(env, "Expected first argument to be a non-empty file path");
    }
    FileOpenOptions options;
    std::span<const std::uint8_t> file_chunk;
    std::uint32_t flush_interval_ms = 100;
    if (!read_bool(info, 1, "truncate", options.truncate) ||
        !read_bytes(info, 2, "the FILE chunk", file_chunk) || !read_file_options(info, 3, options) ||
        (!info[5].IsUndefined() && !read_u32(info, 5, "flush interval in ms", flush_interval_ms))) {
      return env.Undefined();
    }
    if (flush_interval_ms > kMaxFlushIntervalMs) {
      return throw_range_error(env, "Expected sixth argument to be at most 3600000 (1 hour)");
    }
    std::uint32_t sink_id = 0;
    const Status status = Collector::instance().open_file_sink(
        path, options, std::int64_t{flush_interval_ms} * 1'000'000, file_chunk, sink_id);
    if (!status.ok()) return throw_status(env, status);
    return Napi::Number::New(env, sink_id);
  }

  Napi::Value JS_releaseFileSink(const Napi::CallbackInfo& info) {
    std::uint32_t sink_id = 0;
    if (!read_u32(info, 0, "sink id", sink_id)) return info.Env().Undefined();
    return throw_status(info.Env(), Collector::instance().release_file_sink_open(sink_id));
  }

  Napi::Value JS_attachRing(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::uint32_t ring_id = 0;
    std::uint32_t sink_id = 0;
    if (!read_u32(info, 0, "ring id", ring_id) || !read_u32(info, 1, "sink id", sink_id)) {
      return env.Undefined();
    }
    if (!info[2].IsBigInt()) return throw_type_error(env, 2, "a bigint (originMonoNs)");
    bool lossless = false;
    const std::int64_t origin = info[2].As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) {
      return throw_range_error(env, "Expected third argument to be a steady clock time in ns "
                                    "(a signed 64-bit bigint)");
    }
    std::span<const std::uint8_t> stream_chunk;
    if (!read_bytes(info, 3, "the STREAM chunk", stream_chunk)) return env.Undefined();
    return throw_status(
        env, Collector::instance().attach_ring(ring_id, sink_id, origin, stream_chunk));
  }

  Napi::Value JS_openEtwSink(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) return throw_type_error(env, 0, "a provider name (string)");
    EtwSinkOptions options;
    options.provider = info[0].As<Napi::String>().Utf8Value();
    if (!read_bytes(info, 1, "the provider GUID", options.guid) ||
        !read_bytes(info, 2, "the provider traits", options.traits)) {
      return env.Undefined();
    }
    if (options.guid.size() != etw::kGuidBytes) {
      return throw_range_error(env, "Expected second argument to be 16 GUID bytes");
    }
    std::vector<std::uint8_t> traits;
    std::string error;
    if (!etw::provider_traits(options.provider, traits, error)) {
      return throw_range_error(env, error);
    }
    // The traits may carry more than the name (a provider group, later); they must start with it.
    std::uint16_t traits_size = 0;
    if (options.traits.size() >= 2) std::memcpy(&traits_size, options.traits.data(), 2);
    if (traits_size != options.traits.size() || options.traits.size() < traits.size() ||
        !std::equal(traits.begin() + 2, traits.end(), options.traits.begin() + 2)) {
      return throw_range_error(env, "Expected third argument to be the provider traits of " +
                                        options.provider + " (u16 size, name, NUL)");
    }
    if (info[3].IsString()) {
      options.capture_path = info[3].As<Napi::String>().Utf8Value();
      if (options.capture_path.empty() || options.capture_path.find('\0') != std::string::npos) {
        return throw_range_error(env, "Expected fourth argument to be a non-empty file path");
      }
    } else if (!info[3].IsNull()) {
      return throw_type_error(env, 3, "a capture file path (string) or null");
    }
    if (!read_bool(info, 4, "forceWrites", options.force_writes) ||
        !read_file_options(info, 5, options.capture_file)) {
      return env.Undefined();
    }
    std::uint32_t etw_sink_id = 0;
    const Status status = Collector::instance().open_etw_sink(options, etw_sink_id);
    if (!status.ok()) return throw_status(env, status);
    return Napi::Number::New(env, etw_sink_id);
  }

  Napi::Value JS_releaseEtwSink(const Napi::CallbackInfo& info) {
    std::uint32_t etw_sink_id = 0;
    if (!read_u32(info, 0, "ETW sink id", etw_sink_id)) return info.Env().Undefined();
    return throw_status(info.Env(), Collector::instance().release_etw_sink_open(etw_sink_id));
  }

  Napi::Value JS_attachEtwSink(const Napi::CallbackInfo& info) {
    std::uint32_t ring_id = 0;
    std::uint32_t etw_sink_id = 0;
    if (!read_u32(info, 0, "ring id", ring_id) || !read_u32(info, 1, "ETW sink id", etw_sink_id)) {
      return info.Env().Undefined();
    }
    return throw_status(info.Env(), Collector::instance().attach_etw_sink(ring_id, etw_sink_id));
  }

  Napi::Value JS_writeChunk(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::uint32_t ring_id = 0;
    std::span<const std::uint8_t> chunk;
    if (!read_u32(info, 0, "ring id", ring_id) || !read_bytes(info, 1, "a chunk", chunk)) {
      return env.Undefined();
    }
    return throw_status(env, Collector::instance().write_chunk(ring_id, chunk));
  }

  Napi::Value JS_setEventGate(const Napi::CallbackInfo& info) {
    std::uint32_t ring_id = 0;
    std::uint32_t event_id = 0;
    std::uint32_t gate = 0;
    if (!read_u32(info, 0, "ring id", ring_id) || !read_u32(info, 1, "event id", event_id) ||
        !read_u32(info, 2, "gate", gate)) {
      return info.Env().Undefined();
    }
    return throw_status(info.Env(), Collector::instance().set_event_gate(ring_id, event_id, gate));
  }

  Napi::Value JS_flush(const Napi::CallbackInfo& info) {
    std::uint32_t ring_id = 0;
    if (!read_u32(info, 0, "ring id", ring_id)) return info.Env().Undefined();
    return throw_status(info.Env(), Collector::instance().flush(ring_id));
  }

  Napi::Value JS_closeRing(const Napi::CallbackInfo& info) {
    std::uint32_t ring_id = 0;
    if (!read_u32(info, 0, "ring id", ring_id)) return info.Env().Undefined();
    return throw_status(info.Env(), Collector::instance().close_ring(ring_id));
  }

  Napi::Value JS_ringStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::uint32_t ring_id = 0;
    if (!read_u32(info, 0, "ring id", ring_id)) return env.Undefined();
    RingStats stats;
    if (Status status = Collector::instance().ring_stats(ring_id, stats); !status.ok()) {
      return throw_status(env, status);
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("delivered", Napi::Number::New(env, static_cast<double>(stats.delivered)));
    result.Set("lostRingFull", Napi::Number::New(env, stats.lost_ring_full));
    result.Set("lostInvalid", Napi::Number::New(env, stats.lost_invalid));
    result.Set("lostOverwritten",
               Napi::Number::New(env, static_cast<double>(stats.lost_overwritten)));
    result.Set("lostUnwritten", Napi::Number::New(env, static_cast<double>(stats.lost_unwritten)));
    result.Set("lostCorrupt", Napi::Number::New(env, static_cast<double>(stats.lost_corrupt)));
    result.Set("corruptBytes", Napi::Number::New(env, static_cast<double>(stats.corrupt_bytes)));
    result.Set("bytes", Napi::Number::New(env, static_cast<double>(stats.bytes)));
    result.Set("etwDropped", Napi::Number::New(env, static_cast<double>(stats.etw_dropped)));
    result.Set("etwWriteErrors",
               Napi::Number::New(env, static_cast<double>(stats.etw_write_errors)));
    result.Set("liveDropped", Napi::Number::New(env, static_cast<double>(stats.live_dropped)));
    result.Set("liveDroppedLost", Napi::Number::New(env, stats.live_dropped_lost));
    return result;
  }

  Napi::Value JS_openLiveStream(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::span<const std::uint8_t> file_chunk;
    std::uint32_t budget = 0;
    if (!read_bytes(info, 0, "the FILE chunk", file_chunk) ||
        !read_u32(info, 1, "budget in bytes", budget)) {
      return env.Undefined();
    }
    if (budget < LiveStream::kMinBudgetBytes || budget > LiveStream::kMaxBudgetBytes) {
      return throw_range_error(env, "Expected second argument to be a budget in bytes from "
                                    "1048576 (1 MiB) to 1073741824 (1 GiB)");
    }
    const std::uint32_t live_id = Collector::instance().open_live_stream(file_chunk, budget);
    env_live_streams_->push_back(live_id);
    return Napi::Number::New(env, live_id);
  }

  Napi::Value JS_attachLiveStream(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::uint32_t ring_id = 0;
    std::uint32_t live_id = 0;
    std::span<const std::uint8_t> stream_chunk;
    if (!read_u32(info, 0, "ring id", ring_id) || !read_u32(info, 1, "live stream id", live_id) ||
        !read_bytes(info, 2, "the STREAM chunk", stream_chunk)) {
      return env.Undefined();
    }
    return throw_status(
        env, Collector::instance().attach_live_stream(ring_id, live_id, stream_chunk));
  }

  Napi::Value JS_takeLiveChunks(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::uint32_t live_id = 0;
    std::uint32_t max_bytes = 0;
    if (!read_u32(info, 0, "live stream id", live_id) ||
        !read_u32(info, 1, "byte limit", max_bytes)) {
      return env.Undefined();
    }
    TakenChunks taken;
    if (Status status = Collector::instance().take_live_chunks(live_id, max_bytes, taken);
        !status.ok()) {
      return throw_status(env, status);
    }
    if (taken.empty()) return env.Null();
    // A fresh ArrayBuffer: V8 aligns its backing store to at least 8, as readers of the chunks'
    // f64 fields need.
    Napi::Uint8Array result = Napi::Uint8Array::New(env, taken.size());
    if (env.IsExceptionPending()) return env.Undefined();
    taken.copy_to(result.Data());
    return result;
  }

  Napi::Value JS_liveStreamStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::uint32_t live_id = 0;
    if (!read_u32(info, 0, "live stream id", live_id)) return env.Undefined();
    LiveStreamStats stats;
    if (Status status = Collector::instance().live_stream_stats(live_id, stats); !status.ok()) {
      return throw_status(env, status);
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("queuedBytes", Napi::Number::New(env, static_cast<double>(stats.queued_bytes)));
    result.Set("takenBytes", Napi::Number::New(env, static_cast<double>(stats.taken_bytes)));
    result.Set("droppedChunks", Napi::Number::New(env, static_cast<double>(stats.dropped_chunks)));
    result.Set("droppedBytes", Napi::Number::New(env, static_cast<double>(stats.dropped_bytes)));
    result.Set("droppedEvents", Napi::Number::New(env, static_cast<double>(stats.dropped_events)));
    return result;
  }

  Napi::Value JS_closeLiveStream(const Napi::CallbackInfo& info) {
    std::uint32_t live_id = 0;
    if (!read_u32(info, 0, "live stream id", live_id)) return info.Env().Undefined();
    Collector::instance().close_live_stream(live_id);
    // Off this environment's cleanup list. Ids are never reused, so the opener's list (when
    // another environment closed it) may keep it: closing it again there does nothing.
    std::erase(*env_live_streams_, live_id);
    return info.Env().Undefined();
  }

  Napi::Value JS_setDrainDelay(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::uint32_t micros = 0;
    if (!read_u32(info, 0, "delay in microseconds", micros)) return env.Undefined();
    if (micros > kMaxDrainDelayMicros) {
      return throw_range_error(env, "Expected first argument to be at most 10000000 (10 s)");
    }
    Collector::instance().set_drain_delay(micros);
    return env.Undefined();
  }

  Napi::Value JS_setWriteFault(const Napi::CallbackInfo& info) {
    std::uint32_t error_number = 0;
    if (!read_u32(info, 0, "errno (0 = off)", error_number)) return info.Env().Undefined();
    set_write_fault(static_cast<int>(error_number));
    return info.Env().Undefined();
  }

  Napi::Value JS_monotonicNs(const Napi::CallbackInfo& info) {
    return Napi::BigInt::New(info.Env(), Collector::monotonic_ns());
  }

  Napi::Value JS_etwEncodeCapture(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) return throw_type_error(env, 0, "a SCHEMA JSON text (string)");
    std::span<const std::uint8_t> records;
    if (!read_bytes(info, 1, "ring records", records)) return env.Undefined();
    if (!info[2].IsString()) return throw_type_error(env, 2, "a provider name (string)");
    std::span<const std::uint8_t> guid;
    if (!read_bytes(info, 3, "the provider GUID", guid)) return env.Undefined();
    if (guid.size() != etw::kGuidBytes) {
      return throw_range_error(env, "Expected fourth argument to be 16 GUID bytes");
    }
    std::string error;
    etw::EventSchema schema;
    std::vector<std::uint8_t> traits;
    etw::EtwEventEncoder encoder;
    if (!etw::parse_event_schema(info[0].As<Napi::String>().Utf8Value(), schema, error) ||
        !etw::provider_traits(info[2].As<Napi::String>().Utf8Value(), traits, error) ||
        !etw::EtwEventEncoder::build(schema, traits.size(), encoder, error)) {
      return throw_range_error(env, error);
    }
    etw::CaptureWriter capture(guid, traits);
    if (!capture.add_records(encoder, static_cast<std::uint16_t>(schema.id), records)) {
      return throw_range_error(env, "Expected second argument to be whole ring records");
    }
    const std::vector<std::uint8_t>& bytes = capture.bytes();
    Napi::Uint8Array result = Napi::Uint8Array::New(env, bytes.size());
    std::memcpy(result.Data(), bytes.data(), bytes.size());
    return result;
  }

  // Ids of the rings this environment created; only touched on the environment's thread.
  std::shared_ptr<std::vector<std::uint32_t>> env_rings_;
  // Ids of the live streams this environment opened and has not closed; as env_rings_.
  std::shared_ptr<std::vector<std::uint32_t>> env_live_streams_;
};

}  // namespace
}  // namespace ringtrace

using ringtrace::RingtraceAddon;
NODE_API_ADDON(RingtraceAddon)
