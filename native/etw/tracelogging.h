// TraceLogging over ETW, as bytes: the type codes, descriptor layout and limits the encoder uses
// (docs/etw.md; the facts come from Microsoft's public TraceLoggingProvider.h /
// TraceLoggingDynamic.h). No Windows header: the encoder builds the exact bytes ETW receives, on
// every OS, so it is tested on Linux; only the sink's provider calls are Windows code.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringtrace::etw {

// Low 5 bits of a field's InType byte.
enum class InType : std::uint8_t {
  kUnicodeString = 1,      // UTF-16, NUL terminated
  kAnsiString = 2,         // 8-bit, NUL terminated
  kInt8 = 3,
  kUInt8 = 4,
  kInt16 = 5,
  kUInt16 = 6,
  kInt32 = 7,
  kUInt32 = 8,
  kInt64 = 9,
  kUInt64 = 10,
  kFloat = 11,
  kDouble = 12,
  kBool32 = 13,
  kBinary = 14,            // u16 byte count, bytes
  kGuid = 15,
  kHexInt32 = 20,
  kHexInt64 = 21,
  kCountedString = 22,     // u16 byte count, UTF-16
  kCountedAnsiString = 23, // u16 byte count, 8-bit (UTF-8 with OutType kUtf8)
  kStruct = 24,
  kCountedBinary = 25,     // u16 byte count, bytes
};

enum class OutType : std::uint8_t {
  kNone = 0,
  kBoolean = 3,  // with kUInt8: a one-byte bool, the ring's own encoding
  kUtf8 = 0x23,  // with the 8-bit string types: UTF-8 instead of the ANSI code page
};

// High bits of the InType byte.
inline constexpr std::uint8_t kInTypeMask = 0x1F;
inline constexpr std::uint8_t kInFlagConstantCount = 0x20;  // fixed array: u16 count in metadata
inline constexpr std::uint8_t kInFlagVariableCount = 0x40;  // u16 element count in the payload
inline constexpr std::uint8_t kInFlagChain = 0x80;          // an OutType byte follows
inline constexpr std::uint8_t kOutFlagChain = 0x80;         // field tags follow the OutType byte

// EVENT_DESCRIPTOR values a TraceLogging event takes.
inline constexpr std::uint8_t kChannelTraceLogging = 11;
inline constexpr std::uint8_t kOpcodeInfo = 0;
inline constexpr std::uint8_t kOpcodeStart = 1;
inline constexpr std::uint8_t kOpcodeStop = 2;

// EVENT_DATA_DESCRIPTOR.Type of the two metadata descriptors that precede the payload.
inline constexpr std::uint8_t kDataTypeUser = 0;
inline constexpr std::uint8_t kDataTypeEventMetadata = 1;
inline constexpr std::uint8_t kDataTypeProviderMetadata = 2;

// Limits. ETW drops an event whose data exceeds 64 KiB and takes at most 128 data descriptors;
// TraceLogging decoders accept at most 128 fields. ringtrace reports an event over the limit to
// its caller (which drops and counts it) instead of letting ETW fail the write.
inline constexpr std::size_t kMaxEventBytes = 64 * 1024;  // traits + metadata + payload
inline constexpr std::size_t kMaxMetadataBytes = 0xFFFF;  // a blob's size is a u16
inline constexpr std::size_t kMaxFields = 128;
inline constexpr std::size_t kMaxDataDescriptors = 128;
// The two metadata descriptors leave this many for the payload.
inline constexpr std::size_t kMaxPayloadSpans = kMaxDataDescriptors - 2;

inline constexpr std::size_t kGuidBytes = 16;

// EVENT_DESCRIPTOR as Windows lays it out (16 bytes, Keyword at offset 8).
struct EventDescriptor {
  std::uint16_t id = 0;
  std::uint8_t version = 0;
  std::uint8_t channel = kChannelTraceLogging;
  std::uint8_t level = 0;
  std::uint8_t opcode = 0;
  std::uint16_t task = 0;
  std::uint64_t keyword = 0;
};
static_assert(sizeof(EventDescriptor) == 16, "EVENT_DESCRIPTOR is 16 bytes");

}  // namespace ringtrace::etw
