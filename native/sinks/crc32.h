// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's crc32()) for chunk framing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringtrace {

// Continues a CRC: start with crc32_update(0, ...) and feed pieces in order.
std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t size);

}  // namespace ringtrace
