#include "file_sink.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "crc32.h"

namespace ringtrace {
namespace {

constexpr std::array<std::uint8_t, kChunkAlignment> kZeros{};

template <class T>
void put(std::uint8_t* p, std::size_t offset, T value) {
  std::memcpy(p + offset, &value, sizeof(T));
}

// The collector's clock (Collector::monotonic_ns() reads the same steady clock).
std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::size_t padding(std::size_t length) {
  const std::size_t tail = length % kChunkAlignment;
  return tail == 0 ? 0 : kChunkAlignment - tail;
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
  append({chunk}, padding(chunk.size()), ChunkAccount{}, on_failure == OnFailure::kRetain);
}

void FileSink::write_events(std::uint32_t stream, std::span<const std::uint8_t> records,
                            ChunkAccount account) {
  std::array<std::uint8_t, kStreamPrefixBytes> prefix{};
  put<std::uint32_t>(prefix.data(), 0, stream);
  account.stream = stream;
  // Callers slice drains to the limit; the span is whole records, so splitting here would need
  // parsing. RingConsumer::slice_bytes() keeps prefix + records within kMaxEventsPayload.
  append_chunk(ChunkType::kEvents, prefix, records, account);
}

void FileSink::write_loss(std::uint32_t stream, std::uint32_t reason, std::uint64_t count) {
  std::array<std::uint8_t, 16> payload{};
  put<std::uint32_t>(payload.data(), 0, stream);
  put<std::uint32_t>(payload.data(), 4, reason);
  put<double>(payload.data(), 8, static_cast<double>(count));
  ChunkAccount account;
  account.stream = stream;
  (reason == kLossReasonOverwritten ? account.overwritten : account.unwritten) = count;
  append_chunk(ChunkType::kLoss, payload, {}, account);
}

void FileSink::write_end(std::uint32_t stream, double written, double ring_full,
                         double invalid) {
  std::array<std::uint8_t, 32> payload{};
  put<std::uint32_t>(payload.data(), 0, stream);
  put<double>(payload.data(), 8, written);
  put<double>(payload.data(), 16, ring_full);
  put<double>(payload.data(), 24, invalid);
  append_chunk(ChunkType::kEnd, payload, {}, ChunkAccount{});
}

void FileSink::append_chunk(ChunkType type, std::span<const std::uint8_t> prefix,
                            std::span<const std::uint8_t> body, const ChunkAccount& account) {
  if (fd_ < 0) return;
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
  // Only EVENTS and LOSS chunks carry events; the rest is what the file cannot do without.
  const bool retain = type != ChunkType::kEvents && type != ChunkType::kLoss;
  append({header, prefix, body}, padding(length), account, retain);
}

void FileSink::append(std::initializer_list<std::span<const std::uint8_t>> pieces,
                      std::size_t pad, const ChunkAccount& account, bool retain) {
  std::size_t total = pad;
  for (const auto piece : pieces) total += piece.size();
  if (fd_ < 0 || total == 0) return;
  make_room(total);
  if (buffer_.empty()) oldest_ns_ = now_ns();
  for (const auto piece : pieces) buffer_.insert(buffer_.end(), piece.begin(), piece.end());
  buffer_.insert(buffer_.end(), kZeros.begin(), kZeros.begin() + static_cast<std::ptrdiff_t>(pad));
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
