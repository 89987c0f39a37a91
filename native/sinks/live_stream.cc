#include "live_stream.h"

#include <cstring>
#include <utility>

namespace ringtrace {

void TakenChunks::copy_to(std::uint8_t* out) const {
  for (const std::vector<std::uint8_t>& chunk : chunks_) {
    std::memcpy(out, chunk.data(), chunk.size());
    out += chunk.size();
  }
}

LiveStream::LiveStream(std::span<const std::uint8_t> file_chunk, std::size_t budget_bytes)
    : budget_bytes_(budget_bytes) {
  push_raw(file_chunk);
}

LiveStream::Push LiveStream::push(const FramedChunk& chunk) {
  return enqueue(chunk.pieces(), chunk.carries_events(), chunk.account().events);
}

void LiveStream::push_raw(std::span<const std::uint8_t> chunk) {
  // Never over budget, so only kQueued or kClosed: nothing to report either way.
  static_cast<void>(enqueue(raw_chunk_pieces(chunk), false, 0));
}

LiveStream::Push LiveStream::enqueue(std::span<const std::span<const std::uint8_t>> pieces,
                                     bool budgeted, std::uint64_t events) {
  std::size_t size = 0;
  for (const auto piece : pieces) size += piece.size();
  if (size == 0) return Push::kQueued;
  if (budgeted) {
    // Decided before the copy, so a chunk that is dropped costs no allocation.
    std::lock_guard lock(mutex_);
    if (closed_) return Push::kClosed;
    if (size > budget_bytes_ - budgeted_bytes_) {
      ++stats_.dropped_chunks;
      stats_.dropped_bytes += size;
      stats_.dropped_events += events;
      return Push::kDropped;
    }
  }
  Queued queued{std::vector<std::uint8_t>(size), budgeted};
  std::uint8_t* out = queued.bytes.data();
  for (const auto piece : pieces) {
    if (piece.empty()) continue;
    std::memcpy(out, piece.data(), piece.size());
    out += piece.size();
  }
  std::lock_guard lock(mutex_);
  if (closed_) return Push::kClosed;
  // Still fits: pushes are serialised and a take only frees budget.
  if (budgeted) budgeted_bytes_ += size;
  stats_.queued_bytes += size;
  queue_.push_back(std::move(queued));
  return Push::kQueued;
}

TakenChunks LiveStream::take(std::size_t max_bytes) {
  TakenChunks taken;
  std::lock_guard lock(mutex_);
  while (!queue_.empty()) {
    Queued& next = queue_.front();
    const std::size_t size = next.bytes.size();
    if (!taken.empty() && size > max_bytes - taken.bytes_) break;
    if (next.budgeted) budgeted_bytes_ -= size;
    stats_.queued_bytes -= size;
    stats_.taken_bytes += size;
    taken.bytes_ += size;
    taken.chunks_.push_back(std::move(next.bytes));
    queue_.pop_front();
    if (taken.bytes_ >= max_bytes) break;
  }
  return taken;
}

LiveStreamStats LiveStream::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void LiveStream::close() {
  // Freed after the lock is released: a push waits for a swap, not for the frees.
  std::deque<Queued> freed;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    freed.swap(queue_);
    budgeted_bytes_ = 0;
    stats_.queued_bytes = 0;
  }
}

}  // namespace ringtrace
