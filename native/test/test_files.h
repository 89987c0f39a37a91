// What several native tests need around files: a whole file's bytes, little-endian reads from
// them, chunks framed as JS frames them (tag, type, length, CRC-32, padding to 8) and chunks
// parsed back with every framing rule checked.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "sinks/chunk_format.h"
#include "sinks/crc32.h"

namespace ringtrace::test {

template <class T>
T get(const std::uint8_t* p, std::size_t offset) {
  T value;
  std::memcpy(&value, p + offset, sizeof(T));
  return value;
}

inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  CHECK(file != nullptr);
  std::vector<std::uint8_t> bytes;
  std::uint8_t buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) {
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  std::fclose(file);
  return bytes;
}

// A complete chunk as JS would build it.
inline std::vector<std::uint8_t> make_chunk(ChunkType type, const std::string& payload) {
  std::vector<std::uint8_t> chunk(kChunkHeaderBytes + (payload.size() + 7) / 8 * 8);
  const auto tag = kChunkTag;
  const auto type16 = static_cast<std::uint16_t>(type);
  const auto length = static_cast<std::uint32_t>(payload.size());
  std::memcpy(chunk.data(), &tag, 4);
  std::memcpy(chunk.data() + kChunkTypeOffset, &type16, 2);
  std::memcpy(chunk.data() + kChunkLengthOffset, &length, 4);
  std::memcpy(chunk.data() + kChunkHeaderBytes, payload.data(), payload.size());
  std::uint32_t crc = crc32_update(0, chunk.data() + kChunkTypeOffset, 8);
  crc = crc32_update(crc, payload.data(), payload.size());
  std::memcpy(chunk.data() + kChunkCrcOffset, &crc, 4);
  return chunk;
}

struct Chunk {
  std::uint16_t type;
  std::vector<std::uint8_t> payload;
};

// The chunks of `bytes` (a trace file's, or a live stream's), each one's tag, CRC and padding
// checked; the bytes must end at a chunk boundary.
inline std::vector<Chunk> parse_chunks(const std::vector<std::uint8_t>& bytes) {
  std::vector<Chunk> chunks;
  std::size_t at = 0;
  while (at < bytes.size()) {
    CHECK(at + kChunkHeaderBytes <= bytes.size());
    const std::uint8_t* h = bytes.data() + at;
    CHECK_EQ(get<std::uint32_t>(h, 0), kChunkTag);
    CHECK_EQ(get<std::uint16_t>(h, 6), 0);
    const std::uint32_t length = get<std::uint32_t>(h, kChunkLengthOffset);
    CHECK(at + kChunkHeaderBytes + length <= bytes.size());
    std::uint32_t crc = crc32_update(0, h + 4, 8);
    crc = crc32_update(crc, h + kChunkHeaderBytes, length);
    CHECK_EQ(crc, get<std::uint32_t>(h, kChunkCrcOffset));
    chunks.push_back(Chunk{get<std::uint16_t>(h, kChunkTypeOffset),
                           std::vector<std::uint8_t>(h + kChunkHeaderBytes,
                                                     h + kChunkHeaderBytes + length)});
    at += kChunkHeaderBytes + (length + 7) / 8 * 8;
  }
  CHECK_EQ(at, bytes.size());
  return chunks;
}

}  // namespace ringtrace::test
