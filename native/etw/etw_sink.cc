#include "etw/etw_sink.h"

#include <cstring>

#include "etw/schema_json.h"
#include "ring/ring_layout.h"

namespace ringtrace::etw {

EtwSink::EtwSink(std::span<const std::uint8_t> traits, std::unique_ptr<EtwOutput> output)
    : traits_bytes_(traits.size()), output_(std::move(output)) {
  if (output_->sessions() == nullptr) session_ = kEverySession;
}

bool EtwSink::refresh_session() {
  const SessionTracker* tracker = output_->sessions();
  return tracker != nullptr && tracker->changed_since(session_generation_, session_);
}

bool EtwSink::wants(std::uint32_t ring_id, std::uint16_t event_id) const {
  const EtwEventEncoder* encoder = find_encoder(ring_id, event_id);
  return encoder != nullptr &&
         session_wants(session_, encoder->descriptor().level, encoder->descriptor().keyword);
}

void EtwSink::add_schema(std::uint32_t ring_id, std::string_view json) {
  EventSchema schema;
  EtwEventEncoder encoder;
  std::string error;
  const bool ok = parse_event_schema(json, schema, error) && schema.id >= kFirstEventId &&
                  schema.id < kLostId &&
                  EtwEventEncoder::build(schema, traits_bytes_, encoder, error);
  if (!ok) return;
  std::vector<std::optional<EtwEventEncoder>>& ring = encoders_[ring_id];
  if (ring.size() <= schema.id) ring.resize(schema.id + 1);
  ring[schema.id] = std::move(encoder);
}

const EtwEventEncoder* EtwSink::find_encoder(std::uint32_t ring_id,
                                             std::uint16_t event_id) const {
  const auto it = encoders_.find(ring_id);
  if (it == encoders_.end() || event_id >= it->second.size() || !it->second[event_id]) {
    return nullptr;
  }
  return &*it->second[event_id];
}

EtwWriteCounts EtwSink::write_records(std::uint32_t ring_id,
                                      std::span<const std::uint8_t> records) {
  EtwWriteCounts counts;
  EncodedEvent event;
  // The collector's slices are whole records (RingConsumer checked every size); the size test
  // only keeps a bad slice from looping.
  for (std::size_t at = 0; at + sizeof(std::uint32_t) <= records.size();) {
    std::uint32_t word0;
    std::memcpy(&word0, records.data() + at, sizeof word0);
    const std::uint32_t size = record_size(word0);
    if (size == 0 || size > records.size() - at) break;
    const std::uint16_t id = record_event_id(word0);
    at += size;
    if (id == kPaddingId || id == kLostId) continue;
    const EtwEventEncoder* encoder = find_encoder(ring_id, id);
    // A record written before the sessions changed, or by a ring whose gates JS keeps (it has a
    // trace file): ETW only gets what a session wants.
    if (encoder != nullptr && !session_wants(session_, encoder->descriptor().level,
                                             encoder->descriptor().keyword)) {
      continue;
    }
    const EncodeResult result =
        encoder == nullptr ? EncodeResult::kMalformed
                           : encoder->encode(records.subspan(at - size, size), spans_, packed_,
                                             event);
    if (result == EncodeResult::kOk) {
      if (!output_->write_event(event)) ++counts.write_errors;
    } else {
      output_->write_dropped(drop_reason(result), 1);
      ++counts.dropped;
    }
  }
  return counts;
}

void EtwSink::forget_ring(std::uint32_t ring_id) { encoders_.erase(ring_id); }

}  // namespace ringtrace::etw
