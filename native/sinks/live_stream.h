// The live stream: a bounded in-memory queue of the framed chunks the collector makes for the
// rings attached to it, taken by an export worker on its own thread.
//
// Design:
// - Thread safe: one small mutex, mutex_, guards the queue and the counters. The collector pushes
//   with its own mutex held (so pushes are serialised); a taker never takes the collector's
//   mutex. Lock order: Collector::mutex_, then Collector::live_mutex_, then LiveStream::mutex_;
//   nothing here calls out while holding mutex_, so it is always the last lock taken.
// - mutex_ is held only to move whole chunk buffers in or out of the queue, never while bytes are
//   copied: a push copies its chunk into a fresh buffer before it locks, a take hands its chunk
//   buffers out and the caller copies them after. So neither side ever waits for more than a few
//   pointer moves of the other, and a taker never waits for a drain pass.
// - Budget: the queued bytes of EVENTS and LOSS chunks stay within budget_bytes_. A chunk that
//   does not fit is dropped whole and counted (its events too); the caller charges the drop to
//   the chunk's ring. FILE, STREAM, SCHEMA and END chunks are always queued: a decoder cannot do
//   without them. They are bounded by what attaches: one FILE chunk, then per attached ring one
//   STREAM, one SCHEMA per registered event (at most 4095) and one END.
// - One allocation per queued chunk (a drain slice is one EVENTS chunk), none per record.
// - close() frees what is queued; pushes after it do nothing. Rings keep a reference (shared_ptr)
//   until they close, so a closed stream outlives its registry entry without dangling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <vector>

#include "chunk_frame.h"

namespace ringtrace {

struct LiveStreamStats {
  std::uint64_t queued_bytes = 0;    // bytes queued now (every chunk kind)
  std::uint64_t taken_bytes = 0;     // bytes handed out by take() so far
  std::uint64_t dropped_chunks = 0;  // EVENTS and LOSS chunks dropped: the budget was full
  std::uint64_t dropped_bytes = 0;
  std::uint64_t dropped_events = 0;  // event records in the dropped EVENTS chunks
};

// Whole chunks taken out of a live stream, oldest first.
class TakenChunks {
 public:
  bool empty() const { return chunks_.empty(); }
  // Total bytes of the chunks.
  std::size_t size() const { return bytes_; }
  // Copies the chunks back to back to `out` (size() bytes).
  void copy_to(std::uint8_t* out) const;

 private:
  friend class LiveStream;
  std::vector<std::vector<std::uint8_t>> chunks_;
  std::size_t bytes_ = 0;
};

class LiveStream {
 public:
  static constexpr std::size_t kMinBudgetBytes = std::size_t{1} << 20;
  static constexpr std::size_t kMaxBudgetBytes = std::size_t{1} << 30;

  enum class Push { kQueued, kDropped, kClosed };

  // `file_chunk` (a complete FILE chunk) is queued first.
  LiveStream(std::span<const std::uint8_t> file_chunk, std::size_t budget_bytes);
  LiveStream(const LiveStream&) = delete;
  LiveStream& operator=(const LiveStream&) = delete;

  // Queues a chunk the collector made: an EVENTS or LOSS chunk only within the budget (else
  // kDropped, counted), any other always. Callers serialise pushes (the collector's mutex_).
  Push push(const FramedChunk& chunk);
  // Queues a complete chunk from JS (STREAM, SCHEMA): always, padded to 8.
  void push_raw(std::span<const std::uint8_t> chunk);
  // Takes whole chunks, oldest first, while they fit in `max_bytes` (the first one always).
  TakenChunks take(std::size_t max_bytes);
  LiveStreamStats stats() const;
  // Frees what is queued; later pushes do nothing. Idempotent.
  void close();

 private:
  struct Queued {
    std::vector<std::uint8_t> bytes;
    bool budgeted;  // EVENTS or LOSS: counts against the budget
  };

  Push enqueue(std::span<const std::span<const std::uint8_t>> pieces, bool budgeted,
               std::uint64_t events);

  const std::size_t budget_bytes_;
  mutable std::mutex mutex_;
  std::deque<Queued> queue_;
  std::size_t budgeted_bytes_ = 0;  // queued EVENTS and LOSS bytes
  LiveStreamStats stats_;
  bool closed_ = false;
};

}  // namespace ringtrace
