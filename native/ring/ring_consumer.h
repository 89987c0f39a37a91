// Consumer side of a ring: takes what the producer published, in slices, into a buffer it owns.
//
// Design (single producer, single consumer; docs/FORMAT.md section 1):
// - The producer thread (a JS thread, or RingProducer in tests) owns writePos, tailPos and all
//   producer state (cursor, seq, counters). It writes records, then release-stores writePos.
// - The consumer (the collector, under its lock) owns readPos and coarseClock. It acquire-loads
//   writePos, copies [readPos, writePos) out in at most two memcpy pieces, parses the copy and
//   release-stores readPos, which hands the bytes back to the producer.
// - Overwrite mode: the producer never waits; it advances tailPos (release) before it overwrites
//   old records. The consumer copies from max(readPos, tailPos), reloads tailPos after the copy
//   and keeps only what lies at or after it. Lost events are counted exactly from the seq gap.
// - Cursor and the producer's counters are plain fields: the consumer reads them only when the
//   producer has stopped (close, environment teardown), through the *_at_teardown() calls.
//
// Usage:
//   RingConsumer consumer(block, capacity, overwrite);
//   const std::uint64_t end = consumer.published_end();
//   DrainSlice slice;
//   while (consumer.next_slice(end, scratch, slice)) {
//     sink(slice);
//     if (slice.corrupt) break;  // resynchronised: `end` no longer means anything
//   }
//
// A ring the producer corrupted (a bug: a header whose size is 0 or runs past what was
// published, a writePos that moved backwards or more than the capacity ahead) never makes the
// consumer loop: it counts the bytes, resynchronises readPos at the producer's writePos and
// reports the events it skipped, from the seq gap at the next good record, as lost_corrupt.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <span>

#include "ring_access.h"
#include "ring_layout.h"

namespace ringtrace {

// What one slice of a drain delivered. `records` points into the caller's scratch buffer and is
// valid until the next call; it holds whole records exactly as they were in the ring.
struct DrainSlice {
  std::span<const std::uint8_t> records;
  std::uint64_t events = 0;       // event records in `records`
  std::uint64_t overwritten = 0;  // events found missing before them (seq gap)
  double lost_ring_full = 0;      // sum of the LOST records' ringFull fields
  double lost_invalid = 0;        // sum of the LOST records' invalid fields
  std::uint64_t record_bytes = 0;  // bytes of non-padding records
  std::uint64_t lost_corrupt = 0;  // events found missing after a resynchronisation
  std::uint64_t corrupt_bytes = 0;  // bytes skipped after a header that made no sense (a bug)
  bool corrupt = false;  // this slice resynchronised: stop draining to the caller's `end`
};

// The producer's final counters, read once it has stopped.
struct ProducerTotals {
  std::uint64_t events = 0;  // 64-bit extended seq: event records the producer wrote
  double ring_full = 0;
  double invalid = 0;
  double pending_full = 0;     // ring-full drops not yet reported in a LOST record
  double pending_invalid = 0;  // invalid drops not yet reported in a LOST record
  double last_time = 0;
};

class RingConsumer {
 public:
  // How far an overwrite-mode writePos may run ahead of readPos before it counts as corrupt.
  static constexpr std::uint64_t kMaxLead = std::uint64_t{1} << 31;

  RingConsumer(std::uint8_t* block, std::uint32_t capacity, bool overwrite)
      : block_(block),
        data_(block + kDataOffset),
        capacity_(capacity),
        overwrite_(overwrite),
        // Relaxed: a ring is attached once, before any consumer store; nothing to pair with.
        read_(atomic_u32(block, kReadPosOffset).load(std::memory_order_relaxed)) {}

  // End of what the producer has published. Acquire pairs with the producer's release store of
  // writePos (JS Atomics.store): every record byte before it is visible after this load.
  std::uint64_t published_end() const {
    return rebuild(atomic_u32(block_, kWritePosOffset).load(std::memory_order_acquire));
  }

  // End of everything the producer wrote, published or not. Only valid once the producing
  // thread has stopped (or is the calling thread): cursor is a plain field.
  std::uint64_t cursor_end_at_teardown() const {
    return rebuild(load_plain<std::uint32_t>(block_, kCursorOffset));
  }

  ProducerTotals totals_at_teardown() const {
    ProducerTotals t;
    const auto seq32 = load_plain<std::uint32_t>(block_, kSeqStateOffset);
    t.events = next_seq_ + static_cast<std::uint32_t>(seq32 - static_cast<std::uint32_t>(next_seq_));
    t.ring_full = load_plain<double>(block_, kRingFullOffset);
    t.invalid = load_plain<double>(block_, kInvalidOffset);
    t.pending_full = load_plain<double>(block_, kPendingFullOffset);
    t.pending_invalid = load_plain<double>(block_, kPendingInvalidOffset);
    t.last_time = load_plain<double>(block_, kLastTimeOffset);
    return t;
  }

  // Sequence number (64-bit) the next event record should carry.
  std::uint64_t next_seq() const { return next_seq_; }
  std::uint64_t read_position() const { return read_; }

  // The scratch buffer a slice needs at most: the whole ring, or 4 MiB minus the EVENTS chunk
  // prefix so that one slice fills one chunk. Always >= the largest record plus its padding.
  static std::size_t slice_bytes(std::uint32_t capacity) {
    constexpr std::size_t kMaxSlice = (std::size_t{4} << 20) - 8;
    return std::min<std::size_t>(capacity, kMaxSlice);
  }

  // Takes the next slice of [readPos, end) into `scratch` (8-byte aligned, at least
  // slice_bytes(capacity) long unless the caller accepts smaller slices). Returns false when
  // nothing is left before `end`. No allocation: the hot path is two memcpy calls and a parse.
  bool next_slice(std::uint64_t end, std::span<std::uint64_t> scratch, DrainSlice& out) {
    out = DrainSlice{};
    if (read_ >= end) return false;
    // A discard-mode producer never publishes more than the capacity past readPos; one in
    // overwrite mode laps the consumer, but never by 2^31 between two drains. More means its
    // cursor went wrong (a 32-bit writePos that moved backwards rebuilds as ~4 GiB ahead).
    if (end - read_ > (overwrite_ ? kMaxLead : capacity_)) {
      resync(out, static_cast<std::uint32_t>(end));
      return true;
    }
    std::uint64_t start = read_;
    if (overwrite_) {
      // Acquire pairs with the producer's release store of tailPos: it is at least as new as the
      // tail that went with `end` (the producer stores tailPos before the writePos that follows).
      const std::uint64_t tail =
          rebuild_near(atomic_u32(block_, kTailPosOffset).load(std::memory_order_acquire), end);
      start = std::max(start, tail);
      if (start >= end) {
        // Everything published before `end` is already overwritten; the seq gap of the next
        // record that survives counts it.
        commit(end);
        return true;
      }
      // tailPos never trails writePos by more than the capacity.
      if (end - start > capacity_) {
        resync(out, static_cast<std::uint32_t>(end));
        return true;
      }
    }
    auto* bytes = reinterpret_cast<std::uint8_t*>(scratch.data());
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(end - start, scratch.size() * sizeof(std::uint64_t)));
    copy_out(start, n, bytes);

    std::uint64_t keep_from = start;
    if (overwrite_) {
      // The fence keeps the copy's loads before the reload (an acquire load alone only orders
      // what follows it). It pairs with the producer's release fence after its tailPos store:
      // if the copy saw any byte written after that store, this load sees that tailPos or newer.
      std::atomic_thread_fence(std::memory_order_acquire);
      const std::uint64_t tail2 =
          rebuild_near(atomic_u32(block_, kTailPosOffset).load(std::memory_order_acquire), end);
      keep_from = std::max(keep_from, tail2);
      if (keep_from >= start + n) {
        commit(std::min(keep_from, end));
        return true;
      }
    }
    const std::size_t skip = static_cast<std::size_t>(keep_from - start);
    bool corrupt = false;
    const std::size_t parsed = parse(bytes + skip, n - skip, start + n == end, out, corrupt);
    out.records = std::span<const std::uint8_t>(bytes + skip, parsed);
    if (corrupt) {
      // A producer bug: nothing after a bad header can be framed, so skip to `end`. The events
      // in it show up as a seq gap at the next good record.
      out.corrupt = true;
      out.corrupt_bytes = end - (keep_from + parsed);
      corrupt_gap_pending_ = true;
      commit(end);
    } else {
      commit(keep_from + parsed);
    }
    return true;
  }

  // A resynchronisation left events unaccounted that no later record revealed yet (at teardown,
  // the tail the producer wrote after it counts as corrupt rather than overwritten).
  bool corrupt_gap_pending() const { return corrupt_gap_pending_; }

 private:
  // Full position from a 32-bit one: exact because positions never run 2^32 ahead of read_.
  std::uint64_t rebuild(std::uint32_t pos32) const {
    return read_ + static_cast<std::uint32_t>(pos32 - static_cast<std::uint32_t>(read_));
  }
  // tailPos may lie before or after `anchor` (it can pass unpublished records): signed distance.
  static std::uint64_t rebuild_near(std::uint32_t pos32, std::uint64_t anchor) {
    const auto delta = static_cast<std::int32_t>(pos32 - static_cast<std::uint32_t>(anchor));
    return anchor + static_cast<std::int64_t>(delta);
  }

  void copy_out(std::uint64_t from, std::size_t n, std::uint8_t* dst) const {
    const std::size_t offset = static_cast<std::size_t>(from & (capacity_ - 1));
    const std::size_t first = std::min<std::size_t>(n, capacity_ - offset);
    copy_record_bytes(dst, data_ + offset, first, overwrite_);
    copy_record_bytes(dst + first, data_, n - first, overwrite_);
  }

  // Takes the producer's writePos as it stands: the full position nearest read_ (it may lie
  // behind read_ when the cursor went backwards). Nothing before it can be framed.
  void resync(DrainSlice& out, std::uint32_t write_pos32) {
    const std::uint64_t to = rebuild_near(write_pos32, read_);
    out.corrupt = true;
    out.corrupt_bytes = to > read_ ? to - read_ : read_ - to;
    corrupt_gap_pending_ = true;
    commit(to);
  }

  // Release pairs with the producer's acquire load of readPos (discard mode): our copy of the
  // bytes before `position` is complete before the producer may reuse them.
  void commit(std::uint64_t position) {
    read_ = position;
    atomic_u32(block_, kReadPosOffset)
        .store(static_cast<std::uint32_t>(position), std::memory_order_release);
  }

  // Walks whole records; returns the bytes they cover. A record cut by the slice end is left for
  // the next slice, unless the slice reaches `end` (which is always a record boundary): then the
  // header is corrupt, as is a size that cannot hold its header or that no ring record can have
  // (over kMaxRecordBytes or the capacity: the next slice could never hold it either).
  std::size_t parse(const std::uint8_t* p, std::size_t n, bool reaches_end, DrainSlice& out,
                    bool& corrupt) {
    std::size_t at = 0;
    while (at + 4 <= n) {
      const auto word0 = load_plain<std::uint32_t>(p, at);
      const std::uint32_t size = record_size(word0);
      const std::uint16_t id = record_event_id(word0);
      const std::uint32_t min_size = id == kPaddingId ? 8 : id == kLostId ? kLostPairsOffset
                                                                          : kHeaderBytes;
      if (size < min_size || size > kMaxRecordBytes || size > capacity_ ||
          (at + size > n && reaches_end)) {
        corrupt = true;
        return at;
      }
      if (at + size > n) return at;
      if (id == kLostId) {
        out.lost_ring_full += load_plain<double>(p, at + kLostRingFullOffset);
        out.lost_invalid += load_plain<double>(p, at + kLostInvalidOffset);
        out.record_bytes += size;
      } else if (id != kPaddingId) {
        const auto seq32 = load_plain<std::uint32_t>(p, at + kRecordSeqOffset);
        const std::uint64_t gap =
            static_cast<std::uint32_t>(seq32 - static_cast<std::uint32_t>(next_seq_));
        if (corrupt_gap_pending_) {
          out.lost_corrupt += gap;
          corrupt_gap_pending_ = false;
        } else {
          out.overwritten += gap;
        }
        next_seq_ += gap + 1;
        ++out.events;
        out.record_bytes += size;
      }
      at += size;
    }
    return at;
  }

  std::uint8_t* block_;
  std::uint8_t* data_;
  std::uint32_t capacity_;
  bool overwrite_;
  std::uint64_t read_;           // full position of readPos (consumer owned)
  std::uint64_t next_seq_ = 0;   // 64-bit extension of the next expected seq
  bool corrupt_gap_pending_ = false;
};

}  // namespace ringtrace
