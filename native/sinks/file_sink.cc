#include "file_sink.h"

#include <array>
#include <cerrno>
#include <cstring>

#include "crc32.h"
#include "file_open.h"

namespace ringtrace {
namespace {

// A drain hands over up to 4 MiB at once; a 1 MiB stdio buffer keeps that to a few syscalls
// while small chunks (STREAM, SCHEMA) do not cost one each.
constexpr std::size_t kFileBufferBytes = std::size_t{1} << 20;
constexpr std::array<std::uint8_t, kChunkAlignment> kZeros{};

template <class T>
void put(std::uint8_t* p, std::size_t offset, T value) {
  std::memcpy(p + offset, &value, sizeof(T));
}

}  // namespace

std::unique_ptr<FileSink> FileSink::open(const std::string& path, bool truncate,
                                         std::span<const std::uint8_t> file_chunk,
                                         std::string& error) {
  errno = 0;
  std::FILE* file = open_utf8_file(path, truncate ? "wb" : "ab");
  if (file == nullptr) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<FileSink> sink(new FileSink(path, file));
  bool empty = truncate;
  if (!empty) {
    // "ab" positions at the end only on the first write; seek to learn the size now.
    empty = std::fseek(file, 0, SEEK_END) == 0 && std::ftell(file) == 0;
  }
  if (empty) sink->write_raw_chunk(file_chunk);
  return sink;
}

FileSink::FileSink(std::string path, std::FILE* file)
    : path_(std::move(path)), file_(file), buffer_(new char[kFileBufferBytes]) {
  std::setvbuf(file_, buffer_.get(), _IOFBF, kFileBufferBytes);
}

FileSink::~FileSink() { close(); }

void FileSink::write_raw_chunk(std::span<const std::uint8_t> chunk) {
  write_bytes(chunk.data(), chunk.size());
  const std::size_t tail = chunk.size() % kChunkAlignment;
  if (tail != 0) write_bytes(kZeros.data(), kChunkAlignment - tail);
}

void FileSink::write_events(std::uint32_t stream, std::span<const std::uint8_t> records) {
  std::array<std::uint8_t, kStreamPrefixBytes> prefix{};
  put<std::uint32_t>(prefix.data(), 0, stream);
  // Callers slice drains to the limit; the span is whole records, so splitting here would need
  // parsing. RingConsumer::slice_bytes() keeps prefix + records within kMaxEventsPayload.
  write_chunk(ChunkType::kEvents, prefix, records);
}

void FileSink::write_loss(std::uint32_t stream, std::uint32_t reason, double count) {
  std::array<std::uint8_t, 16> payload{};
  put<std::uint32_t>(payload.data(), 0, stream);
  put<std::uint32_t>(payload.data(), 4, reason);
  put<double>(payload.data(), 8, count);
  write_chunk(ChunkType::kLoss, payload, {});
}

void FileSink::write_end(std::uint32_t stream, double written, double ring_full,
                         double invalid) {
  std::array<std::uint8_t, 32> payload{};
  put<std::uint32_t>(payload.data(), 0, stream);
  put<double>(payload.data(), 8, written);
  put<double>(payload.data(), 16, ring_full);
  put<double>(payload.data(), 24, invalid);
  write_chunk(ChunkType::kEnd, payload, {});
}

void FileSink::write_chunk(ChunkType type, std::span<const std::uint8_t> prefix,
                           std::span<const std::uint8_t> body) {
  const std::size_t length = prefix.size() + body.size();
  std::array<std::uint8_t, kChunkHeaderBytes> header{};
  put<std::uint32_t>(header.data(), 0, kChunkTag);
  put<std::uint16_t>(header.data(), kChunkTypeOffset, static_cast<std::uint16_t>(type));
  put<std::uint32_t>(header.data(), kChunkLengthOffset, static_cast<std::uint32_t>(length));
  std::uint32_t crc = crc32_update(0, header.data() + kChunkTypeOffset,
                                   kChunkCrcOffset - kChunkTypeOffset);
  crc = crc32_update(crc, prefix.data(), prefix.size());
  crc = crc32_update(crc, body.data(), body.size());
  put<std::uint32_t>(header.data(), kChunkCrcOffset, crc);
  write_bytes(header.data(), header.size());
  write_bytes(prefix.data(), prefix.size());
  write_bytes(body.data(), body.size());
  const std::size_t tail = length % kChunkAlignment;
  if (tail != 0) write_bytes(kZeros.data(), kChunkAlignment - tail);
}

void FileSink::write_bytes(const void* data, std::size_t size) {
  if (file_ == nullptr || error_ != 0 || size == 0) return;
  errno = 0;
  if (std::fwrite(data, 1, size, file_) != size) fail(errno != 0 ? errno : EIO);
}

bool FileSink::flush() {
  if (file_ != nullptr && error_ == 0) {
    errno = 0;
    if (std::fflush(file_) != 0) fail(errno != 0 ? errno : EIO);
  }
  return error_ == 0;
}

bool FileSink::close() {
  if (file_ == nullptr) return error_ == 0;
  flush();
  errno = 0;
  // fclose also writes what is buffered; after a failure that is whatever fwrite kept.
  if (std::fclose(file_) != 0 && error_ == 0) fail(errno != 0 ? errno : EIO);
  file_ = nullptr;
  return error_ == 0;
}

void FileSink::fail(int error_number) {
  error_ = error_number;
  error_message_ = "write to " + path_ + " failed: " + std::strerror(error_number);
}

}  // namespace ringtrace
