// The ETW sink of one provider: turns the records the collector drains into TraceLogging events
// and hands them to its output (a capture file, or ETW on Windows: etw_output.h).
//
//   writeChunk(SCHEMA) --add_schema()--> EtwEventEncoder per (ring, event id)
//   drained records ----write_records()--> encode() --ok--> output.write_event()
//                                                   '-----> output.write_dropped(), counted
//
// Padding and LOST records are not events: losses stay in the trace file's accounting. An event
// over 64 KiB, or a record that does not fit its schema (or has none), is never cut: it is
// dropped, reported to the output, and counted for the ring (RingStats::etw_dropped).
//
// Thread safety: none; the collector calls it under its mutex. Several rings (threads, workers)
// share one sink per provider; each ring's encoders are its own, since event ids are per ring.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "etw/etw_output.h"
#include "etw/event_encoder.h"

namespace ringtrace::etw {

class EtwSink {
 public:
  // `traits` from provider_traits() (the same bytes the output registered).
  EtwSink(std::span<const std::uint8_t> traits, std::unique_ptr<EtwOutput> output);

  // A SCHEMA chunk's JSON from ring `ring_id`: builds that event's encoder (replacing one of
  // the same id). A schema ETW cannot take leaves the event without one, so its records are
  // dropped as malformed; the tracer's own validation refuses such schemas first.
  void add_schema(std::uint32_t ring_id, std::string_view json);
  // Whole ring records back to back (a drained slice). Returns the events dropped.
  std::uint64_t write_records(std::uint32_t ring_id, std::span<const std::uint8_t> records);
  // The ring detached: its encoders go.
  void forget_ring(std::uint32_t ring_id);

  bool flush() { return output_->flush(); }
  bool close() { return output_->close(); }
  std::string error_message() const { return output_->error_message(); }

 private:
  const EtwEventEncoder* find_encoder(std::uint32_t ring_id, std::uint16_t event_id) const;

  std::size_t traits_bytes_;
  std::unique_ptr<EtwOutput> output_;
  // Per ring, indexed by event id (ids are dense from 1).
  std::map<std::uint32_t, std::vector<std::optional<EtwEventEncoder>>> encoders_;
  // encode()'s scratch: the payload spans and, past 126 spans, the packed payload.
  PayloadSpan spans_[kMaxPayloadSpans];
  std::vector<std::uint8_t> packed_;
};

}  // namespace ringtrace::etw
