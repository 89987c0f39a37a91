// Trace file chunk framing: docs/FORMAT.md section 3 (src/format/file-layout.ts holds the same).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringtrace {

inline constexpr std::uint32_t kChunkTag = 0x48435452;  // "RTCH" little-endian
inline constexpr std::size_t kChunkHeaderBytes = 16;
inline constexpr std::size_t kChunkTypeOffset = 4;
inline constexpr std::size_t kChunkLengthOffset = 8;
inline constexpr std::size_t kChunkCrcOffset = 12;
inline constexpr std::size_t kChunkAlignment = 8;
inline constexpr std::uint8_t kFileMagic[8] = {0x52, 0x54, 0x52, 0x43, 0x0D, 0x0A, 0x1A, 0x0A};
inline constexpr std::uint32_t kFormatVersion = 1;

enum class ChunkType : std::uint16_t {
  kFile = 1,
  kStream = 2,
  kSchema = 3,
  kEvents = 4,
  kLoss = 5,
  kEnd = 6,
  kExport = 7,  // exporter counters at close, made by JS (writeChunk); passed on as it is
};

// LOSS reasons (FORMAT.md section 3).
inline constexpr std::uint32_t kLossReasonOverwritten = 1;  // the producer overwrote them
inline constexpr std::uint32_t kLossReasonUnwritten = 2;  // the consumer could not put them in the file

// EVENTS and END payloads start with (u32 stream, u32 0); LOSS with (u32 stream, u32 reason).
inline constexpr std::size_t kStreamPrefixBytes = 8;
// One EVENTS chunk carries at most this much payload; a bigger drain is split at records.
inline constexpr std::size_t kMaxEventsPayload = std::size_t{4} << 20;

}  // namespace ringtrace
