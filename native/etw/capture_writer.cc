#include "etw/capture_writer.h"

#include <cstring>

#include "ring/ring_layout.h"

namespace ringtrace::etw {

template <class T>
void CaptureWriter::put(std::size_t at, T value) {
  std::memcpy(bytes_.data() + at, &value, sizeof value);
}

void CaptureWriter::pad_to_8() { bytes_.resize((bytes_.size() + 7) & ~std::size_t{7}, 0); }

CaptureWriter::CaptureWriter(std::span<const std::uint8_t> guid,
                             std::span<const std::uint8_t> traits)
    : traits_(traits.begin(), traits.end()) {
  bytes_.assign(kCaptureHeaderFixedBytes, 0);
  std::memcpy(bytes_.data(), kCaptureMagic, sizeof kCaptureMagic);
  put<std::uint32_t>(8, kCaptureVersion);
  std::memcpy(bytes_.data() + 16, guid.data(), guid.size() < kGuidBytes ? guid.size() : kGuidBytes);
  bytes_.insert(bytes_.end(), traits.begin(), traits.end());
  pad_to_8();
  put<std::uint32_t>(12, static_cast<std::uint32_t>(bytes_.size()));
}

EncodeResult CaptureWriter::add_event(const EtwEventEncoder& encoder,
                                      std::span<const std::uint8_t> record) {
  PayloadSpan spans[kMaxPayloadSpans];
  std::vector<std::uint8_t> packed;
  EncodedEvent event;
  const EncodeResult result = encoder.encode(record, spans, packed, event);
  if (result == EncodeResult::kOk) {
    add_encoded(event);
  } else {
    add_dropped(drop_reason(result), 1);
  }
  return result;
}

void CaptureWriter::add_encoded(const EncodedEvent& event) {
  const std::size_t at = bytes_.size();
  bytes_.resize(at + kCaptureEventFixedBytes, 0);
  const ActivityIds& ids = event.ids;
  const std::uint16_t flags = (ids.has_activity ? kCaptureFlagActivityId : 0) |
                              (ids.has_related ? kCaptureFlagRelatedActivityId : 0);
  put<std::uint16_t>(at, static_cast<std::uint16_t>(CaptureRecordKind::kEvent));
  put<std::uint16_t>(at + 2, flags);
  std::memcpy(bytes_.data() + at + 8, event.descriptor, sizeof(EventDescriptor));
  if (ids.has_activity) std::memcpy(bytes_.data() + at + 24, ids.activity, kGuidBytes);
  if (ids.has_related) std::memcpy(bytes_.data() + at + 40, ids.related, kGuidBytes);
  put<std::uint32_t>(at + 56, static_cast<std::uint32_t>(traits_.size()));
  put<std::uint32_t>(at + 60, static_cast<std::uint32_t>(event.metadata.size()));
  put<std::uint32_t>(at + 64, static_cast<std::uint32_t>(event.payload_bytes));
  put<std::uint32_t>(at + 68, static_cast<std::uint32_t>(2 + event.payload.size()));
  bytes_.insert(bytes_.end(), traits_.begin(), traits_.end());
  bytes_.insert(bytes_.end(), event.metadata.begin(), event.metadata.end());
  for (const PayloadSpan& span : event.payload) {
    bytes_.insert(bytes_.end(), span.data, span.data + span.size);
  }
  pad_to_8();
  put<std::uint32_t>(at + 4, static_cast<std::uint32_t>(bytes_.size() - at));
}

void CaptureWriter::add_dropped(DropReason reason, std::uint32_t count) {
  const std::size_t at = bytes_.size();
  bytes_.resize(at + kCaptureDroppedBytes, 0);
  put<std::uint16_t>(at, static_cast<std::uint16_t>(CaptureRecordKind::kDropped));
  put<std::uint32_t>(at + 4, static_cast<std::uint32_t>(kCaptureDroppedBytes));
  put<std::uint32_t>(at + 8, static_cast<std::uint32_t>(reason));
  put<std::uint32_t>(at + 12, count);
}

bool CaptureWriter::add_records(const EtwEventEncoder& encoder, std::uint16_t event_id,
                                std::span<const std::uint8_t> records) {
  std::size_t at = 0;
  while (at < records.size()) {
    if (records.size() - at < sizeof(std::uint32_t)) return false;
    std::uint32_t word0;
    std::memcpy(&word0, records.data() + at, sizeof word0);
    const std::uint32_t size = record_size(word0);
    if (size == 0 || size > records.size() - at) return false;
    if (record_event_id(word0) == event_id) add_event(encoder, records.subspan(at, size));
    at += size;
  }
  return true;
}

}  // namespace ringtrace::etw
