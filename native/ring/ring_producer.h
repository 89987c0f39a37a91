// Producer side of a ring, in C++: the protocol of the JS producer (src/ring/ring-producer.ts and
// the writers src/ring/writer-codegen.ts generates), step for step, so that the native tests,
// the fuzz test and the ThreadSanitizer runs exercise the protocol that ships.
// test/ring-producer-replay.test.ts proves the two the same: it replays one seeded script of
// writes, drops, consumer steps and turn ends through both (native/test/ring_replay.cc here) and
// compares the ring bytes and the producer's control-block fields after every step.
//
// Design (single producer, single consumer; docs/FORMAT.md sections 1 and 2):
// - This object runs on the producing thread and owns writePos, tailPos and the producer state
//   in the control block (cursor, limit, seq, sincePublish, ringFull, invalid, lastTime,
//   pendingFull, pendingInvalid), which it keeps there with plain stores, as JS does: only the
//   producing thread reads them, except a consumer draining after this thread has stopped.
// - Fast path: a record goes at the cursor when `limit - cursor >= size`. The slow path
//   (reserve) computes a new limit: the nearer of the end of the data area and the end of the
//   free space. A drop sets `limit = cursor`, so the next write takes the slow path.
// - Slow path: oversize records (over min(64 KiB, capacity / 2)) are dropped as invalid; then a
//   pending LOST record is written on its own, then room is made for the record. Where either
//   does not fit (discard mode) the event is dropped and counted.
// - Room: a record never straddles the end of the data area; a padding record (id 0) fills the
//   tail of the lap first. Discard mode: `cursor + need - readPos <= capacity`, with readPos
//   acquire-loaded only when the cached copy says the ring is full. Overwrite mode: the producer
//   never waits; when the record would reach tailPos it advances tailPos past whole old records
//   until `need + capacity / 16` bytes are free (so the store is rare) and publishes it (release
//   store plus release fence) before the first overwrite.
// - writePos is published with a release store every kPublishEvery records and on publish(); JS
//   also publishes at the end of each turn, which a C++ caller does by calling publish().
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <vector>

#include "ring_access.h"
#include "ring_layout.h"

namespace ringtrace {

class RingProducer {
 public:
  RingProducer(std::uint8_t* block, std::uint32_t capacity, bool overwrite)
      : block_(block),
        data_(block + kDataOffset),
        capacity_(capacity),
        overwrite_(overwrite),
        max_record_bytes_(max_record_bytes(capacity)),
        // As in JS, a record over max_record_bytes() never reaches the ring: the fast path
        // sends it to the slow path, which drops it as invalid.
        staging_(max_record_bytes_ / sizeof(std::uint64_t)) {
    // limit == cursor: the first write takes the slow path, which computes the real limit.
    set_u32(kLimitOffset, u32(kCursorOffset));
  }

  // Writes one event record of `size` bytes (header included, a multiple of 8) stamped with
  // `timestamp` (the precise clock: JS's performance.now(), stored as lastTime). `fill(body,
  // body_size, seq)` writes every byte after the 16-byte header. Returns false when the event
  // was dropped (oversize, or the ring is full in discard mode) and counted.
  template <class Fill>
  bool write_event(std::uint16_t id, double timestamp, std::uint32_t size, Fill&& fill) {
    return write(id, size, fill, [&] {
      set_f64(kLastTimeOffset, timestamp);
      return timestamp;
    });
  }

  // The same, stamped with the coarse clock: coarseClock, or lastTime when that is later (the
  // coarse clock lags the precise one); lastTime stays as it is, as in JS.
  template <class Fill>
  bool write_event_coarse(std::uint16_t id, std::uint32_t size, Fill&& fill) {
    return write(id, size, fill, [&] {
      // Relaxed, as the collector's store of it: a clock a moment old is what a coarse clock is.
      const double coarse = std::bit_cast<double>(
          atomic_u64(block_, kCoarseClockOffset).load(std::memory_order_relaxed));
      const double last = f64(kLastTimeOffset);
      return coarse < last ? last : coarse;
    });
  }

  // Counts an event that could not be encoded (the JS writer's uncoercible value).
  void drop_invalid(std::uint16_t id) {
    set_f64(kInvalidOffset, f64(kInvalidOffset) + 1);
    set_f64(kPendingInvalidOffset, f64(kPendingInvalidOffset) + 1);
    note_pending(id);
  }

  // Release pairs with the consumer's acquire load of writePos: every record byte written before
  // this store is visible to a consumer that sees the new position.
  void publish() {
    atomic_u32(block_, kWritePosOffset).store(u32(kCursorOffset), std::memory_order_release);
    set_u32(kSincePublishOffset, 0);
  }

  // Sequence number the next event record will carry (dropped events do not take one).
  std::uint32_t next_seq() const { return u32(kSeqStateOffset); }

 private:
  // The generated JS writer: fast check, slow path on failure, fields, clock, header, cursor.
  template <class Fill, class Clock>
  bool write(std::uint16_t id, std::uint32_t size, Fill& fill, Clock&& clock) {
    // A C++ caller's mistake only: JS writers compute sizes that are valid by construction.
    if (size < kHeaderBytes || size % kRecordAlignment != 0) {
      drop_invalid(id);
      return false;
    }
    std::uint32_t p = u32(kCursorOffset);
    if ((u32(kLimitOffset) - p < size || size > max_record_bytes_) && !reserve(size, id, p)) return false;
    const std::uint32_t seq = u32(kSeqStateOffset);
    auto* record = reinterpret_cast<std::uint8_t*>(staging_.data());
    fill(record + kHeaderBytes, size - kHeaderBytes, seq);
    const double time = clock();
    store_plain<std::uint32_t>(record, 0, record_word0(size, id));
    store_plain<std::uint32_t>(record, kRecordSeqOffset, seq);
    store_plain<double>(record, kRecordTimestampOffset, time);
    copy_record_bytes(at(p), record, size, overwrite_);
    set_u32(kSeqStateOffset, seq + 1);
    set_u32(kCursorOffset, p + size);
    after_record();
    return true;
  }

  // RingProducer.reserve: room for `size` bytes after any padding and pending LOST record, at
  // `p`; false when the event was dropped (and counted).
  bool reserve(std::uint32_t size, std::uint16_t id, std::uint32_t& p) {
    if (size > max_record_bytes_) {
      drop_invalid(id);
      return false;
    }
    if (!write_pending_lost() || !make_room(size, p)) {
      drop_full(id);
      return false;
    }
    return true;
  }

  // The LOST record for drops not yet reported, written alone; false when it does not fit.
  bool write_pending_lost() {
    const double full = f64(kPendingFullOffset);
    const double invalid = f64(kPendingInvalidOffset);
    if (full + invalid == 0) return true;
    const std::uint32_t pairs = std::min(pending_count_, kLostMaxPairs);
    const std::uint32_t size = kLostPairsOffset + kLostPairBytes * pairs;
    std::uint32_t p = 0;
    if (!make_room(size, p)) return false;
    auto* record = reinterpret_cast<std::uint8_t*>(staging_.data());
    store_plain<std::uint32_t>(record, 0, record_word0(size, kLostId));
    store_plain<std::uint32_t>(record, kRecordSeqOffset, 0);
    store_plain<double>(record, kRecordTimestampOffset, f64(kLastTimeOffset));
    store_plain<double>(record, kLostRingFullOffset, full);
    store_plain<double>(record, kLostInvalidOffset, invalid);
    store_plain<std::uint32_t>(record, kLostPairsCountOffset, pairs);
    store_plain<std::uint32_t>(record, kLostPairsCountOffset + 4, 0);
    for (std::uint32_t i = 0; i < pairs; ++i) {
      const std::uint16_t pending_id = pending_ids_[i];
      store_plain<std::uint32_t>(record, kLostPairsOffset + kLostPairBytes * i, pending_id);
      store_plain<std::uint32_t>(record, kLostPairsOffset + kLostPairBytes * i + 4,
                                 pending_by_id_[pending_id]);
    }
    copy_record_bytes(at(p), record, size, overwrite_);
    for (std::uint32_t i = 0; i < pending_count_; ++i) pending_by_id_[pending_ids_[i]] = 0;
    pending_count_ = 0;
    set_f64(kPendingFullOffset, 0);
    set_f64(kPendingInvalidOffset, 0);
    set_u32(kCursorOffset, p + size);
    return true;
  }

  void drop_full(std::uint16_t id) {
    set_f64(kRingFullOffset, f64(kRingFullOffset) + 1);
    set_f64(kPendingFullOffset, f64(kPendingFullOffset) + 1);
    note_pending(id);
  }

  // Per-id counts for the LOST record, in the order the ids first dropped. Only the first
  // kLostMaxPairs ids are itemised; the rest are in the totals. An id past the gate table is
  // never itemised (JS's typed array ignores it the same way).
  void note_pending(std::uint16_t id) {
    if (id < kMaxEvents && pending_by_id_[id]++ == 0) pending_ids_[pending_count_++] = id;
    // limit == cursor sends the next write through the slow path, which reports the loss first.
    set_u32(kLimitOffset, u32(kCursorOffset));
  }

  // Room for `size` contiguous bytes at the cursor: pads the tail of the data area when the
  // record would straddle its end and (overwrite mode) gives up the oldest records. Sets the new
  // limit and `p`; false in discard mode when the consumer has not freed enough.
  bool make_room(std::uint32_t size, std::uint32_t& p) {
    p = u32(kCursorOffset);
    const std::uint32_t to_end = capacity_ - (p & (capacity_ - 1));
    const std::uint32_t need = size <= to_end ? size : to_end + size;
    if (overwrite_) {
      advance_tail(p, need);
    } else if (std::uint64_t{p - read_cache_} + need > capacity_) {
      // Acquire pairs with the consumer's release store of readPos: its copy of the bytes we
      // are about to reuse is complete before we overwrite them.
      read_cache_ = atomic_u32(block_, kReadPosOffset).load(std::memory_order_acquire);
      if (std::uint64_t{p - read_cache_} + need > capacity_) return false;
    }
    if (size > to_end) {
      const std::array<std::uint32_t, 2> padding{record_word0(to_end, kPaddingId), 0};
      copy_record_bytes(at(p), reinterpret_cast<const std::uint8_t*>(padding.data()),
                        sizeof padding, overwrite_);
      p += to_end;
      set_u32(kCursorOffset, p);
    }
    const std::uint32_t base = overwrite_ ? u32(kTailPosOffset) : read_cache_;
    const std::int64_t room = std::min<std::int64_t>(capacity_ - (p & (capacity_ - 1)),
                                                     std::int64_t{capacity_} - (p - base));
    set_u32(kLimitOffset, static_cast<std::uint32_t>(p + room));
    return true;
  }

  // Overwrite mode: moves tailPos past whole records until `need` bytes fit with capacity / 16
  // to spare.
  void advance_tail(std::uint32_t p, std::uint32_t need) {
    std::uint32_t tail = u32(kTailPosOffset);
    if (std::uint64_t{p - tail} + need <= capacity_) return;
    const std::uint32_t goal = capacity_ - (capacity_ >> 4);
    while (tail != p && std::uint64_t{p - tail} + need > goal) {
      tail += record_size(load_plain<std::uint32_t>(at(tail), 0));
    }
    // Release: the old records before the new tail are no longer promised to the consumer.
    atomic_u32(block_, kTailPosOffset).store(tail, std::memory_order_release);
    // A release store does not keep later stores behind it; this fence does: the overwrites
    // that follow become visible only after the new tailPos. Pairs with the acquire fence the
    // consumer runs between its copy and its tailPos reload.
    std::atomic_thread_fence(std::memory_order_release);
  }

  // RingProducer.afterRecord without the end-of-turn microtask (see publish()).
  void after_record() {
    const std::uint32_t since = u32(kSincePublishOffset) + 1;
    if (since >= kPublishEvery) {
      publish();
      return;
    }
    set_u32(kSincePublishOffset, since);
  }

  std::uint8_t* at(std::uint32_t position) const { return data_ + (position & (capacity_ - 1)); }
  std::uint32_t u32(std::size_t offset) const { return load_plain<std::uint32_t>(block_, offset); }
  void set_u32(std::size_t offset, std::uint32_t value) { store_plain(block_, offset, value); }
  double f64(std::size_t offset) const { return load_plain<double>(block_, offset); }
  void set_f64(std::size_t offset, double value) { store_plain(block_, offset, value); }

  std::uint8_t* block_;
  std::uint8_t* data_;
  std::uint32_t capacity_;
  bool overwrite_;
  std::uint32_t max_record_bytes_;
  // The consumer's readPos as last loaded (32 bits, as the positions); refreshed only when the
  // ring looks full.
  std::uint32_t read_cache_ = 0;
  std::array<std::uint32_t, kMaxEvents> pending_by_id_{};
  std::array<std::uint16_t, kMaxEvents> pending_ids_{};
  std::uint32_t pending_count_ = 0;
  std::vector<std::uint64_t> staging_;  // one record, 8-byte aligned, allocated once
};

}  // namespace ringtrace
