// The ETW sink of one provider: turns the records the collector drains into TraceLogging events
// and hands them to its output (a capture file, or ETW on Windows: etw_output.h).
//
//   writeChunk(SCHEMA) --add_schema()--> EtwEventEncoder per (ring, event id)
//   drained records ----write_records()--> session wants it? --no--> skipped (not counted)
//                                             '--> encode() --ok--> output.write_event()
//                                                           |          '--false--> counted
//                                                           '-----> output.write_dropped(), counted
//
// Padding and LOST records are not events: losses stay in the trace file's accounting. An event
// over 64 KiB, or a record that does not fit its schema (or has none), is never cut: it is
// dropped, reported to the output, and counted for the ring (RingStats::etw_dropped). An event
// the output refused (EventWriteTransfer failed) counts in RingStats::etw_write_errors.
//
// Sessions: the output's SessionTracker (etw_session.h), or every event when it has none
// (capture files, forceWrites). refresh_session() takes the tracker's latest state; events no
// session wants are skipped here, and the collector uses wants() for the rings' gates.
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
#include "etw/etw_session.h"
#include "etw/event_encoder.h"

namespace ringtrace::etw {

// What one write_records() call could not deliver.
struct EtwWriteCounts {
  std::uint64_t dropped = 0;       // refused by the sink (oversize, malformed)
  std::uint64_t write_errors = 0;  // refused by the output
};

class EtwSink {
 public:
  // `traits` from provider_traits() (the same bytes the output registered).
  EtwSink(std::span<const std::uint8_t> traits, std::unique_ptr<EtwOutput> output);

  // A SCHEMA chunk's JSON from ring `ring_id`: builds that event's encoder (replacing one of
  // the same id). A schema ETW cannot take leaves the event without one, so its records are
  // dropped as malformed; the tracer's own validation refuses such schemas first.
  void add_schema(std::uint32_t ring_id, std::string_view json);
  // Whole ring records back to back (a drained slice), each written if a session wants it.
  EtwWriteCounts write_records(std::uint32_t ring_id, std::span<const std::uint8_t> records);
  // The ring detached: its encoders go.
  void forget_ring(std::uint32_t ring_id);

  // Takes the sessions' latest state from the output; true when it changed.
  bool refresh_session();
  // Whether the sessions want event `event_id` of ring `ring_id` (by its schema's level and
  // keyword). An event without a usable schema is never wanted: ETW could not take it.
  bool wants(std::uint32_t ring_id, std::uint16_t event_id) const;
  // Whether the output follows ETW sessions (false: it takes every event).
  bool follows_sessions() const { return output_->sessions() != nullptr; }
  // The sessions' state as last refreshed.
  const SessionState& session() const { return session_; }

  bool flush() { return output_->flush(); }
  bool close() { return output_->close(); }
  std::string error_message() const { return output_->error_message(); }

 private:
  const EtwEventEncoder* find_encoder(std::uint32_t ring_id, std::uint16_t event_id) const;

  std::size_t traits_bytes_;
  std::unique_ptr<EtwOutput> output_;
  SessionState session_;
  std::uint64_t session_generation_ = 0;
  // Per ring, indexed by event id (ids are dense from 1).
  std::map<std::uint32_t, std::vector<std::optional<EtwEventEncoder>>> encoders_;
  // encode()'s scratch: the payload spans and, past 126 spans, the packed payload.
  PayloadSpan spans_[kMaxPayloadSpans];
  std::vector<std::uint8_t> packed_;
};

}  // namespace ringtrace::etw
