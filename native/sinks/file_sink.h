// The trace file sink: frames chunks (docs/FORMAT.md section 3) into one buffered std::FILE.
//
// Not thread safe: the collector calls it under its lock. Write errors never abort: the first
// one is remembered (errno and text), later writes are skipped (the file would have a hole), and
// the collector reports it to JS on the next flush or close.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "chunk_format.h"

namespace ringtrace {

class FileSink {
 public:
  // Opens `path` truncated (or for append) and writes `file_chunk` when the file starts empty.
  // On failure returns null and sets `error` to a message with the errno text.
  static std::unique_ptr<FileSink> open(const std::string& path, bool truncate,
                                        std::span<const std::uint8_t> file_chunk,
                                        std::string& error);
  ~FileSink();
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  // A complete chunk built by JS (header and CRC included); zero padded to 8 if it is not.
  void write_raw_chunk(std::span<const std::uint8_t> chunk);
  void write_events(std::uint32_t stream, std::span<const std::uint8_t> records);
  void write_loss(std::uint32_t stream, std::uint32_t reason, double count);
  void write_end(std::uint32_t stream, double written, double ring_full, double invalid);

  // Hands buffered bytes to the OS. False when a write error happened (now or before).
  bool flush();
  // Flushes and closes; the sink accepts nothing afterwards. False on any write error.
  bool close();

  bool failed() const { return error_ != 0; }
  // "write to <path> failed: <strerror>" for the first error, empty when none.
  const std::string& error_message() const { return error_message_; }
  const std::string& path() const { return path_; }

 private:
  FileSink(std::string path, std::FILE* file);
  void write_chunk(ChunkType type, std::span<const std::uint8_t> prefix,
                   std::span<const std::uint8_t> body);
  void write_bytes(const void* data, std::size_t size);
  void fail(int error_number);

  std::string path_;
  std::FILE* file_;
  std::unique_ptr<char[]> buffer_;
  int error_ = 0;
  std::string error_message_;
};

}  // namespace ringtrace
