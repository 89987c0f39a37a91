#include "chunk_frame.h"

#include <cstring>

#include "crc32.h"

namespace ringtrace {
namespace {

constexpr std::array<std::uint8_t, kChunkAlignment> kZeros{};

template <class T>
void put(std::uint8_t* p, std::size_t offset, T value) {
  std::memcpy(p + offset, &value, sizeof(T));
}

std::span<const std::uint8_t> zeros(std::size_t count) {
  return std::span<const std::uint8_t>(kZeros.data(), count);
}

}  // namespace

std::size_t chunk_padding(std::size_t length) {
  const std::size_t tail = length % kChunkAlignment;
  return tail == 0 ? 0 : kChunkAlignment - tail;
}

std::array<std::span<const std::uint8_t>, 2> raw_chunk_pieces(std::span<const std::uint8_t> chunk) {
  return {chunk, zeros(chunk_padding(chunk.size()))};
}

FramedChunk::FramedChunk(ChunkType type, std::span<const std::uint8_t> fixed,
                         std::span<const std::uint8_t> body, const ChunkAccount& account)
    : type_(type), fixed_bytes_(fixed.size()), body_(body), account_(account) {
  std::memcpy(fixed_.data(), fixed.data(), fixed.size());
  const std::size_t length = fixed.size() + body.size();
  put<std::uint32_t>(header_.data(), 0, kChunkTag);
  put<std::uint16_t>(header_.data(), kChunkTypeOffset, static_cast<std::uint16_t>(type));
  put<std::uint32_t>(header_.data(), kChunkLengthOffset, static_cast<std::uint32_t>(length));
  std::uint32_t crc = crc32_update(0, header_.data() + kChunkTypeOffset,
                                   kChunkCrcOffset - kChunkTypeOffset);
  crc = crc32_update(crc, fixed.data(), fixed.size());
  crc = crc32_update(crc, body.data(), body.size());
  put<std::uint32_t>(header_.data(), kChunkCrcOffset, crc);
}

FramedChunk FramedChunk::events(std::uint32_t stream, std::span<const std::uint8_t> records,
                                ChunkAccount account) {
  std::array<std::uint8_t, kStreamPrefixBytes> prefix{};
  put<std::uint32_t>(prefix.data(), 0, stream);
  account.stream = stream;
  // Callers slice drains to the limit; the span is whole records, so splitting here would need
  // parsing. RingConsumer::slice_bytes() keeps prefix + records within kMaxEventsPayload.
  return FramedChunk(ChunkType::kEvents, prefix, records, account);
}

FramedChunk FramedChunk::loss(std::uint32_t stream, std::uint32_t reason, std::uint64_t count) {
  std::array<std::uint8_t, 16> payload{};
  put<std::uint32_t>(payload.data(), 0, stream);
  put<std::uint32_t>(payload.data(), 4, reason);
  put<double>(payload.data(), 8, static_cast<double>(count));
  ChunkAccount account;
  account.stream = stream;
  (reason == kLossReasonOverwritten ? account.overwritten : account.unwritten) = count;
  return FramedChunk(ChunkType::kLoss, payload, {}, account);
}

FramedChunk FramedChunk::end(std::uint32_t stream, double written, double ring_full,
                             double invalid) {
  std::array<std::uint8_t, 32> payload{};
  put<std::uint32_t>(payload.data(), 0, stream);
  put<double>(payload.data(), 8, written);
  put<double>(payload.data(), 16, ring_full);
  put<double>(payload.data(), 24, invalid);
  ChunkAccount account;
  account.stream = stream;
  return FramedChunk(ChunkType::kEnd, payload, {}, account);
}

std::size_t FramedChunk::size() const {
  const std::size_t length = fixed_bytes_ + body_.size();
  return kChunkHeaderBytes + length + chunk_padding(length);
}

std::array<std::span<const std::uint8_t>, 4> FramedChunk::pieces() const {
  return {std::span<const std::uint8_t>(header_),
          std::span<const std::uint8_t>(fixed_.data(), fixed_bytes_), body_,
          zeros(chunk_padding(fixed_bytes_ + body_.size()))};
}

}  // namespace ringtrace
