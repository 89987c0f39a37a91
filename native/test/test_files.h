// What several native tests need around files: a whole file's bytes, little-endian reads from
// them, and chunks framed as JS frames them (tag, type, length, CRC-32, padding to 8).
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

}  // namespace ringtrace::test
