// The trace file sink: buffers framed chunks (docs/FORMAT.md section 3; chunk_frame.h frames
// them) and writes them out whole chunks at a time.
//
// Design:
// - Not thread safe: the collector calls it under its lock.
// - Durability window: buffered bytes go to the OS when the buffer holds kFileBufferBytes, when
//   the oldest buffered chunk is flush_interval old (the collector calls flush_if_due() every
//   drain pass), and on flush() and close().
// - Write errors never abort and never leave a torn chunk: the file is cut back to the end of the
//   last write that succeeded (every write is whole chunks), so it stays readable up to the
//   failure and continues at a chunk boundary. What the lost chunks carried comes back to the
//   caller as ChunkAccounts (take_failures()), so the collector counts it lost and reports it
//   in-band once writing resumes. Chunks the file cannot do without (FILE, STREAM, SCHEMA, END)
//   are kept and written again first. The sink keeps trying at every flush: a disk that had no
//   space and has some again gets the rest.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "chunk_frame.h"
#include "file_open.h"

namespace ringtrace {

class FileSink {
 public:
  // A buffer this big keeps a drain's chunks to a few syscalls while small chunks (STREAM,
  // SCHEMA, LOSS) do not cost one each.
  static constexpr std::size_t kFileBufferBytes = std::size_t{1} << 20;
  static constexpr std::int64_t kDefaultFlushIntervalNs = 100'000'000;

  // Opens `path` as `options` say and writes `file_chunk` when the file starts empty (an empty
  // span writes nothing). On failure returns null and sets `error` to a message with the errno
  // text.
  static std::unique_ptr<FileSink> open(const std::string& path, const FileOpenOptions& options,
                                        std::span<const std::uint8_t> file_chunk,
                                        std::string& error);
  ~FileSink();
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  // What lost chunks of the kind write_raw_chunk() takes become: kept and written again, or
  // dropped (capture records: the ETW capture has no loss accounting of its own).
  enum class OnFailure { kRetain, kDrop };

  // A complete chunk built by JS (header and CRC included); zero padded to 8 if it is not.
  void write_raw_chunk(std::span<const std::uint8_t> chunk,
                       OnFailure on_failure = OnFailure::kRetain);
  // A chunk the collector made. EVENTS and LOSS chunks that cannot be written come back from
  // take_failures() with their account; the others are kept and written again.
  void write(const FramedChunk& chunk);

  // The buffer goes out at most this long after its oldest chunk came in; the shortest interval
  // any opener asked for wins (0: at the next drain pass).
  void limit_flush_interval(std::int64_t interval_ns);
  // Writes the buffer out if its oldest chunk is due at `now_ns` (Collector::monotonic_ns()).
  void flush_if_due(std::int64_t now_ns);

  // Hands buffered bytes to the OS. False when a write failed, now or since the last flush()
  // (each failure is reported once; the sink keeps working).
  bool flush();
  // Flushes and closes; the sink accepts nothing afterwards. False on any unreported failure.
  bool close();

  // The accounts of chunks lost since the last call, oldest first.
  std::vector<ChunkAccount> take_failures();

  // "write to <path> failed: <strerror>" for the latest failure, empty when none.
  const std::string& error_message() const { return error_message_; }
  const std::string& path() const { return path_; }

 private:
  struct Buffered {
    std::size_t end;  // offset in buffer_ after the chunk
    ChunkAccount account;
    bool retain;
  };

  FileSink(std::string path, int fd, std::uint64_t size);
  void append(std::span<const std::span<const std::uint8_t>> pieces, const ChunkAccount& account,
              bool retain);
  void make_room(std::size_t bytes);
  // Writes the buffer out; when the write fails, cuts the file back, re-queues what must be kept
  // and records the failure (fail(), failures_).
  void write_out();
  void fail(int error_number);

  std::string path_;
  int fd_;
  std::uint64_t file_size_;  // bytes in the file: the end of the last whole write
  std::vector<std::uint8_t> buffer_;
  std::vector<Buffered> buffered_;
  std::int64_t oldest_ns_ = 0;  // when the oldest buffered chunk came in
  std::int64_t flush_interval_ns_ = kDefaultFlushIntervalNs;
  std::vector<ChunkAccount> failures_;
  bool unreported_failure_ = false;
  bool cut_pending_ = false;  // torn bytes past file_size_ that a failed cut left
  std::string error_message_;
};

}  // namespace ringtrace
