#include "file_sink.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace ringtrace {
namespace {

// The collector's clock (Collector::monotonic_ns() reads the same steady clock).
std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::unique_ptr<FileSink> FileSink::open(const std::string& path, const FileOpenOptions& options,
                                         std::span<const std::uint8_t> file_chunk,
                                         std::string& error) {
  errno = 0;
  const int fd = open_trace_file(path, options);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  const std::int64_t size = file_position(fd);
  std::unique_ptr<FileSink> sink(new FileSink(path, fd, size > 0 ? static_cast<std::uint64_t>(size) : 0));
  if (size == 0 && !file_chunk.empty()) {
    // Written at once: a file that cannot take its FILE chunk fails the open, not a later flush.
    sink->write_raw_chunk(file_chunk);
    if (!sink->flush()) {
      error = sink->error_message();
      return nullptr;
    }
  }
  return sink;
}

FileSink::FileSink(std::string path, int fd, std::uint64_t size)
    : path_(std::move(path)), fd_(fd), file_size_(size) {
  buffer_.reserve(kFileBufferBytes);
}

FileSink::~FileSink() {
  // A destructor has no one to report to; close() returned the error to whoever closed it.
  static_cast<void>(close());
}

void FileSink::write_raw_chunk(std::span<const std::uint8_t> chunk, OnFailure on_failure) {
  append(raw_chunk_pieces(chunk), ChunkAccount{}, on_failure == OnFailure::kRetain);
}

void FileSink::write(const FramedChunk& chunk) {
  append(chunk.pieces(), chunk.account(), !chunk.carries_events());
}

void FileSink::append(std::span<const std::span<const std::uint8_t>> pieces,
                      const ChunkAccount& account, bool retain) {
  std::size_t total = 0;
  for (const auto piece : pieces) total += piece.size();
  if (fd_ < 0 || total == 0) return;
  make_room(total);
  if (buffer_.empty()) oldest_ns_ = now_ns();
  for (const auto piece : pieces) buffer_.insert(buffer_.end(), piece.begin(), piece.end());
  buffered_.push_back(Buffered{buffer_.size(), account, retain});
  if (buffer_.size() >= kFileBufferBytes) write_out();
}

// A chunk that would push the buffer past its size sends what is buffered first; a chunk
// bigger than the buffer (EVENTS up to 4 MiB) then goes out alone.
void FileSink::make_room(std::size_t bytes) {
  if (!buffer_.empty() && buffer_.size() + bytes > kFileBufferBytes) write_out();
}

void FileSink::limit_flush_interval(std::int64_t interval_ns) {
  flush_interval_ns_ = std::min(flush_interval_ns_, std::max<std::int64_t>(interval_ns, 0));
}

void FileSink::flush_if_due(std::int64_t now) {
  if (!buffer_.empty() && now - oldest_ns_ >= flush_interval_ns_) write_out();
}

void FileSink::write_out() {
  if (fd_ < 0 || buffer_.empty()) return;
  errno = 0;
  const std::size_t written = write_file(fd_, buffer_.data(), buffer_.size());
  if (written == buffer_.size()) {
    file_size_ += written;
    buffer_.clear();
    buffered_.clear();
    // An earlier cut that failed left torn bytes past what this write covered.
    if (cut_pending_) cut_pending_ = !truncate_file(fd_, file_size_);
    return;
  }
  fail(errno != 0 ? errno : EIO);
  // Cut back to the last whole write: the next chunk starts where the file was readable. If
  // the cut fails, the descriptor is still positioned there, so the next write lands over the
  // torn bytes and cuts what is left of them.
  if (written != 0 || cut_pending_) cut_pending_ = !truncate_file(fd_, file_size_);
  // Everything buffered is lost but what the file needs; that goes first next time.
  std::vector<std::uint8_t> kept;
  std::vector<Buffered> kept_chunks;
  std::size_t from = 0;
  for (const Buffered& chunk : buffered_) {
    if (chunk.retain) {
      kept.insert(kept.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(from),
                  buffer_.begin() + static_cast<std::ptrdiff_t>(chunk.end));
      kept_chunks.push_back(Buffered{kept.size(), chunk.account, true});
    } else if (!chunk.account.empty()) {
      failures_.push_back(chunk.account);
    }
    from = chunk.end;
  }
  buffer_.swap(kept);
  buffer_.reserve(kFileBufferBytes);
  buffered_.swap(kept_chunks);
  // Retry one interval from now, not at once: a full disk stays full for a while.
  oldest_ns_ = now_ns();
}

bool FileSink::flush() {
  write_out();
  const bool ok = !unreported_failure_;
  unreported_failure_ = false;
  return ok;
}

bool FileSink::close() {
  if (fd_ < 0) return true;
  bool ok = flush();
  errno = 0;
  if (!close_file(fd_) && ok) {
    fail(errno != 0 ? errno : EIO);
    ok = false;
    unreported_failure_ = false;
  }
  fd_ = -1;
  return ok;
}

std::vector<ChunkAccount> FileSink::take_failures() {
  std::vector<ChunkAccount> taken;
  taken.swap(failures_);
  return taken;
}

void FileSink::fail(int error_number) {
  unreported_failure_ = true;
  error_message_ = "write to " + path_ + " failed: " + std::strerror(error_number);
}

}  // namespace ringtrace
