// One ringtrace event schema as a TraceLogging event: the metadata blob and descriptor, built
// once per schema, and the payload of each ring record, as spans into the record (what the sink
// hands EventWriteTransfer) or as packed bytes (for capture files and the fallback below).
//
//   ring record (aligned, docs/FORMAT.md section 2)        ETW payload (packed, little-endian)
//   +0  header (16 bytes)                  -- not sent --
//   +16 u8 a | pad | u32 b | f64 c         -> [a][b][c]           one span per run of fields
//   +32 u16 n | u16 flags | u32 0 | bytes  -> [n][bytes]          str, binary: u16 BYTE count
//   ... u16 n | ...              | elems   -> [n][elems]          arrays: u16 element count
//
// Counts are the low half of the variable field header, so no byte is rewritten: every span
// points into the record. Span events (FORMAT.md section 4) keep `activityId` (and on Start
// `parentId`) out of the payload: ETW takes them as the event's activity id and related activity
// id. `traceId` stays a payload field.
//
// Thread safety: an encoder is immutable after build(); encode calls only read it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "etw/schema_json.h"
#include "etw/tracelogging.h"

namespace ringtrace::etw {

// One EVENT_DATA_DESCRIPTOR of the payload (type 0): `size` bytes at `data`.
struct PayloadSpan {
  const std::uint8_t* data;
  std::uint32_t size;
};

enum class EncodeResult {
  kOk,
  // traits + metadata + payload is over kMaxEventBytes: ETW would reject the write. The caller
  // drops the event and counts it; an event is never cut.
  kOversize,
  // More than the caller's span capacity (at most kMaxPayloadSpans): pack_payload() instead.
  kTooManySpans,
  // A variable field runs past the record's end: not a record of this schema.
  kMalformed,
};

// The ids a span event passes beside its payload. `has_related` only on a Start whose parent is
// not all zero (a root span has no related activity).
struct ActivityIds {
  bool has_activity = false;
  bool has_related = false;
  std::uint8_t activity[kGuidBytes] = {};
  std::uint8_t related[kGuidBytes] = {};
};

// One event as EventWriteTransfer takes it: descriptor, activity ids, the metadata blob (data
// descriptor 1; the provider traits, descriptor 0, are the sink's) and the payload descriptors.
// The spans point into the ring record (or the caller's packing buffer): valid while those are.
struct EncodedEvent {
  const EventDescriptor* descriptor = nullptr;
  std::span<const std::uint8_t> metadata;
  ActivityIds ids;
  std::span<const PayloadSpan> payload;
  std::size_t payload_bytes = 0;
};

class EtwEventEncoder {
 public:
  // Checks the schema against the TraceLogging limits and builds the metadata. `traits_bytes`
  // is the size of the provider traits blob every event carries (it counts toward 64 KiB).
  // False with `error` set on an unknown field type, a NUL in a name, more than kMaxFields
  // payload fields, metadata over 64 KiB, or a span schema without its id fields.
  static bool build(const EventSchema& schema, std::size_t traits_bytes, EtwEventEncoder& out,
                    std::string& error);

  const EventDescriptor& descriptor() const { return descriptor_; }
  std::span<const std::uint8_t> metadata() const { return metadata_; }
  const std::string& name() const { return name_; }

  // The payload as spans into `record` (a whole record: header, fields, padding), merged where
  // fields are adjacent. Sets `count` and `payload_bytes`. Allocates nothing.
  EncodeResult payload_spans(std::span<const std::uint8_t> record, std::span<PayloadSpan> out,
                             std::size_t& count, std::size_t& payload_bytes,
                             ActivityIds& ids) const;

  // The payload as one packed byte string appended to `out`; on failure `out` is unchanged.
  EncodeResult pack_payload(std::span<const std::uint8_t> record, std::vector<std::uint8_t>& out,
                            ActivityIds& ids) const;

  // The whole event: payload_spans() into `spans`, or, past kMaxPayloadSpans, pack_payload()
  // into `packed` (cleared first; it only grows in that case) as one span. Never kTooManySpans.
  EncodeResult encode(std::span<const std::uint8_t> record,
                      std::span<PayloadSpan, kMaxPayloadSpans> spans,
                      std::vector<std::uint8_t>& packed, EncodedEvent& out) const;

 private:
  enum class FieldKind : std::uint8_t { kFixed, kVariable, kActivityId, kParentId };
  struct FieldPlan {
    FieldKind kind;
    std::uint32_t offset;        // kFixed and ids: offset in the record
    std::uint32_t size;          // kFixed: bytes; kVariable: bytes per element
  };

  // Calls `piece(data, size)` for each payload piece in metadata order; fills `ids`.
  template <class Piece>
  EncodeResult walk(std::span<const std::uint8_t> record, ActivityIds& ids, Piece&& piece) const;

  EventDescriptor descriptor_;
  std::string name_;
  std::vector<std::uint8_t> metadata_;
  std::vector<FieldPlan> plan_;
  std::uint32_t fixed_end_ = 0;
  std::size_t overhead_bytes_ = 0;  // traits + metadata
  bool related_from_parent_ = false;
};

}  // namespace ringtrace::etw
