// Capture files: what the ETW sink would hand EventWriteTransfer, event by event, written to a
// byte string instead (docs/etw.md, "Capture files"). They prove the TraceLogging bytes where no
// ETW session exists (Linux, Wine), and src/etw/capture-reader.ts decodes them with the
// TraceLogging rules alone.
//
//   header   magic "RTETW\r\n\x1a" | u32 version | u32 header bytes | provider GUID | traits | pad
//   EVENT    u16 1 | u16 flags | u32 size | descriptor | activity id | related id |
//            u32 traits bytes | u32 metadata bytes | u32 payload bytes | u32 descriptor count |
//            traits | metadata | payload | pad to 8
//   DROPPED  u16 2 | u16 0 | u32 16 | u32 reason | u32 count
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "etw/event_encoder.h"

namespace ringtrace::etw {

inline constexpr std::uint8_t kCaptureMagic[8] = {'R', 'T', 'E', 'T', 'W', '\r', '\n', 0x1A};
inline constexpr std::uint32_t kCaptureVersion = 1;
inline constexpr std::size_t kCaptureHeaderFixedBytes = 32;  // before the traits
inline constexpr std::size_t kCaptureEventFixedBytes = 72;   // before traits, metadata, payload
inline constexpr std::size_t kCaptureDroppedBytes = 16;

enum class CaptureRecordKind : std::uint16_t { kEvent = 1, kDropped = 2 };
inline constexpr std::uint16_t kCaptureFlagActivityId = 1;
inline constexpr std::uint16_t kCaptureFlagRelatedActivityId = 2;

// Why the sink would not write an event (it drops and counts it).
enum class DropReason : std::uint32_t { kOversize = 1, kMalformed = 2 };

// The reason for an encoder result other than kOk (kTooManySpans never reaches a sink:
// EtwEventEncoder::encode() packs instead).
inline DropReason drop_reason(EncodeResult result) {
  return result == EncodeResult::kOversize ? DropReason::kOversize : DropReason::kMalformed;
}

class CaptureWriter {
 public:
  // Writes the header. `guid` is 16 bytes in Windows memory order; `traits` from
  // provider_traits().
  CaptureWriter(std::span<const std::uint8_t> guid, std::span<const std::uint8_t> traits);

  // Appends the event as the sink would write it (payload gathered from the same spans it would
  // pass), or a DROPPED record when the encoder refuses the record. Returns the encoder's result
  // (kTooManySpans is handled here: the payload is packed into one descriptor).
  EncodeResult add_event(const EtwEventEncoder& encoder, std::span<const std::uint8_t> record);

  // Appends an EVENT record of an event already encoded (EtwEventEncoder::encode()).
  void add_encoded(const EncodedEvent& event);

  void add_dropped(DropReason reason, std::uint32_t count);

  // add_event() for each record of `records` (ring records back to back, as in an EVENTS chunk)
  // whose event id is `event_id`; padding, LOST and other events' records are skipped. False at
  // a record whose size is 0 or that runs past the end (nothing after it is added).
  bool add_records(const EtwEventEncoder& encoder, std::uint16_t event_id,
                   std::span<const std::uint8_t> records);

  // Everything appended since construction or the last clear(). Records are whole and padded
  // to 8, so a streaming caller writes bytes() out and clear()s after each record.
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  void clear() { bytes_.clear(); }

 private:
  template <class T>
  void put(std::size_t at, T value);
  void pad_to_8();

  std::vector<std::uint8_t> traits_;
  std::vector<std::uint8_t> bytes_;
};

}  // namespace ringtrace::etw
