// The chunks the collector makes (EVENTS, LOSS, END), framed once (docs/FORMAT.md section 3:
// header with tag, type, length and CRC-32; payload; zero padding to 8) and copied by every sink
// that takes them: the file sink and the live stream share this framing and its CRC pass.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "chunk_format.h"

namespace ringtrace {

// What one chunk carried for its stream's accounting: handed back when a file could not write
// it, counted when a live stream dropped it.
struct ChunkAccount {
  std::uint32_t stream = 0;
  std::uint64_t events = 0;       // event records (EVENTS chunk)
  double ring_full = 0;           // its LOST records' ringFull
  double invalid = 0;             // its LOST records' invalid
  std::uint64_t overwritten = 0;  // a LOSS chunk's count, reason overwritten
  std::uint64_t unwritten = 0;    // a LOSS chunk's count, reason unwritten

  bool empty() const {
    return events == 0 && ring_full == 0 && invalid == 0 && overwritten == 0 && unwritten == 0;
  }
};

// Zero bytes to pad a chunk of `length` bytes to kChunkAlignment.
std::size_t chunk_padding(std::size_t length);
// A complete chunk from JS (header and CRC included) as pieces to copy: itself, then the zero
// padding it lacks if it is not a multiple of 8 long.
std::array<std::span<const std::uint8_t>, 2> raw_chunk_pieces(std::span<const std::uint8_t> chunk);

// A framed chunk that refers to its records (EVENTS) rather than copying them: valid while the
// records are. Cheap to copy.
class FramedChunk {
 public:
  // `records` are whole ring records; `account` says what they carry (events, LOST sums).
  static FramedChunk events(std::uint32_t stream, std::span<const std::uint8_t> records,
                            ChunkAccount account);
  static FramedChunk loss(std::uint32_t stream, std::uint32_t reason, std::uint64_t count);
  static FramedChunk end(std::uint32_t stream, double written, double ring_full, double invalid);

  ChunkType type() const { return type_; }
  const ChunkAccount& account() const { return account_; }
  // EVENTS and LOSS chunks carry events: a file that cannot write them counts them lost, a live
  // stream over its budget drops them. The others (END here) are what a reader cannot do without.
  bool carries_events() const { return type_ == ChunkType::kEvents || type_ == ChunkType::kLoss; }
  // Header, payload and padding.
  std::size_t size() const;
  // The bytes in order: header, fixed payload part, records, padding.
  std::array<std::span<const std::uint8_t>, 4> pieces() const;

 private:
  FramedChunk(ChunkType type, std::span<const std::uint8_t> fixed,
              std::span<const std::uint8_t> body, const ChunkAccount& account);

  ChunkType type_;
  std::array<std::uint8_t, kChunkHeaderBytes> header_{};
  // The largest fixed payload is END's (u32 stream, u32 0, three f64).
  std::array<std::uint8_t, 32> fixed_{};
  std::size_t fixed_bytes_;
  std::span<const std::uint8_t> body_;
  ChunkAccount account_;
};

}  // namespace ringtrace
