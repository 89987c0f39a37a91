// Producer side of a ring, in C++: writes records exactly as the JS producer does. It exists for
// the native tests and the stress test, and it is the reference for the producer protocol.
//
// Design (single producer, single consumer; docs/FORMAT.md sections 1 and 2):
// - This object runs on the producing thread and owns writePos, tailPos and the producer state
//   in the control block (cursor, limit, seq, sincePublish, ringFull, invalid, lastTime,
//   pendingFull, pendingInvalid), which it writes with plain stores: only the producing thread
//   reads them, except a consumer draining after this thread has stopped.
// - writePos is published with a release store every kPublishEvery records and on publish().
// - Discard mode: a record that would pass readPos + capacity is dropped and counted; before the
//   next record, a LOST record carries the counts. readPos is acquire-loaded only when the cached
//   copy says the ring is full.
// - Overwrite mode: the producer never waits. Before overwriting bytes at or after tailPos it
//   advances tailPos past whole old records, at least capacity/16 bytes at a time so the store is
//   rare, and publishes it (release store plus release fence) before the first overwrite.
// - A record never straddles the end of the data area: a padding record (id 0) fills the tail.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
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
        staging_(kMaxRecordBytes / sizeof(std::uint64_t)) {
    update_limit();
  }

  // Writes one event record of `size` bytes (header included, a multiple of 8). `fill(body,
  // body_size, seq)` writes the bytes after the 16-byte header. Returns false when the event was
  // dropped (oversize, or the ring is full in discard mode) and counted.
  template <class Fill>
  bool write_event(std::uint16_t id, double timestamp, std::uint32_t size, Fill&& fill) {
    if (size < kHeaderBytes || size % kRecordAlignment != 0 ||
        size > max_record_bytes(capacity_)) {
      drop_invalid(id);
      return false;
    }
    if (pending_pairs_ != 0 && !write_lost(size)) {
      count_drop(id, kPendingFullOffset, kRingFullOffset);
      return false;
    }
    const std::uint64_t at = place(cursor_, size);
    if (!make_room(at + size)) {
      count_drop(id, kPendingFullOffset, kRingFullOffset);
      return false;
    }
    const double time = std::max(timestamp, load_plain<double>(block_, kLastTimeOffset));
    const std::uint32_t seq = load_plain<std::uint32_t>(block_, kSeqStateOffset);
    auto* record = reinterpret_cast<std::uint8_t*>(staging_.data());
    store_plain<std::uint32_t>(record, 0, record_word0(size, id));
    store_plain<std::uint32_t>(record, kRecordSeqOffset, seq);
    store_plain<double>(record, kRecordTimestampOffset, time);
    fill(record + kHeaderBytes, size - kHeaderBytes, seq);
    commit_record(at, record, size);
    store_plain<std::uint32_t>(block_, kSeqStateOffset, seq + 1);
    store_plain<double>(block_, kLastTimeOffset, time);
    return true;
  }

  // Counts an event that could not be encoded (the JS producer's uncoercible value).
  void drop_invalid(std::uint16_t id) { count_drop(id, kPendingInvalidOffset, kInvalidOffset); }

  // Release pairs with the consumer's acquire load of writePos: every record byte written before
  // this store is visible to a consumer that sees the new position.
  void publish() {
    atomic_u32(block_, kWritePosOffset)
        .store(static_cast<std::uint32_t>(cursor_), std::memory_order_release);
    store_plain<std::uint32_t>(block_, kSincePublishOffset, 0);
  }

  std::uint64_t cursor() const { return cursor_; }
  // Sequence number the next event record will carry (dropped events do not take one).
  std::uint32_t next_seq() const { return load_plain<std::uint32_t>(block_, kSeqStateOffset); }

 private:
  // Where a record of `size` bytes written at `at` starts: at, or 0 of the next lap when it
  // would straddle the end (the caller writes the padding through commit_record).
  std::uint64_t place(std::uint64_t at, std::uint32_t size) const {
    const std::uint32_t room = capacity_ - static_cast<std::uint32_t>(at & (capacity_ - 1));
    return room < size ? at + room : at;
  }

  bool make_room(std::uint64_t end) {
    if (!overwrite_) {
      if (end - read_cache_ <= capacity_) return true;
      // Acquire pairs with the consumer's release store of readPos: its copy of the bytes we
      // are about to reuse is complete before we overwrite them.
      const auto read32 = atomic_u32(block_, kReadPosOffset).load(std::memory_order_acquire);
      read_cache_ += static_cast<std::uint32_t>(read32 - static_cast<std::uint32_t>(read_cache_));
      update_limit();
      return end - read_cache_ <= capacity_;
    }
    if (end - tail_ <= capacity_) return true;
    const std::uint64_t target = std::max(end - capacity_, tail_ + capacity_ / 16);
    std::uint64_t tail = tail_;
    while (tail < target && tail < cursor_) {
      const auto word0 =
          load_plain<std::uint32_t>(data_, static_cast<std::size_t>(tail & (capacity_ - 1)));
      tail += record_size(word0);
    }
    tail_ = tail;
    // Release: the old records before the new tail are no longer promised to the consumer.
    atomic_u32(block_, kTailPosOffset)
        .store(static_cast<std::uint32_t>(tail_), std::memory_order_release);
    // A release store does not keep later stores behind it; this fence does: the overwrites
    // that follow become visible only after the new tailPos. Pairs with the acquire fence the
    // consumer runs between its copy and its tailPos reload.
    std::atomic_thread_fence(std::memory_order_release);
    update_limit();
    return true;
  }

  // Writes the padding (if the record was moved to the next lap) and the record, then advances
  // the cursor and publishes every kPublishEvery records.
  void commit_record(std::uint64_t at, const std::uint8_t* record, std::uint32_t size) {
    if (at != cursor_) {
      const auto pad = static_cast<std::uint32_t>(at - cursor_);
      const std::array<std::uint32_t, 2> padding{record_word0(pad, kPaddingId), 0};
      copy_record_bytes(data_ + (cursor_ & (capacity_ - 1)),
                        reinterpret_cast<const std::uint8_t*>(padding.data()), 8, overwrite_);
    }
    copy_record_bytes(data_ + (at & (capacity_ - 1)), record, size, overwrite_);
    cursor_ = at + size;
    store_plain<std::uint32_t>(block_, kCursorOffset, static_cast<std::uint32_t>(cursor_));
    update_limit();
    const std::uint32_t since = load_plain<std::uint32_t>(block_, kSincePublishOffset) + 1;
    store_plain<std::uint32_t>(block_, kSincePublishOffset, since);
    if (since >= kPublishEvery) publish();
  }

  // Writes the LOST record for the pending drops when it and the record of `next_size` that
  // follows both fit; false when they do not (the ring is full). Only when the two could never
  // fit together (a near-maximal record in a tiny ring) does the LOST record go alone.
  bool write_lost(std::uint32_t next_size) {
    const std::uint32_t size = kLostPairsOffset + pending_pairs_ * kLostPairBytes;
    const std::uint64_t at = place(cursor_, size);
    const std::uint64_t next_at = place(at + size, next_size);
    const bool together = next_at + next_size - cursor_ <= capacity_;
    if (!make_room(together ? next_at + next_size : at + size)) return false;
    auto* record = reinterpret_cast<std::uint8_t*>(staging_.data());
    store_plain<std::uint32_t>(record, 0, record_word0(size, kLostId));
    store_plain<std::uint32_t>(record, kRecordSeqOffset, 0);
    store_plain<double>(record, kRecordTimestampOffset, load_plain<double>(block_, kLastTimeOffset));
    store_plain<double>(record, kLostRingFullOffset, load_plain<double>(block_, kPendingFullOffset));
    store_plain<double>(record, kLostInvalidOffset,
                        load_plain<double>(block_, kPendingInvalidOffset));
    store_plain<std::uint32_t>(record, kLostPairsCountOffset, pending_pairs_);
    store_plain<std::uint32_t>(record, kLostPairsCountOffset + 4, 0);
    for (std::uint32_t i = 0; i < pending_pairs_; ++i) {
      store_plain<std::uint32_t>(record, kLostPairsOffset + i * kLostPairBytes, pairs_[i].id);
      store_plain<std::uint32_t>(record, kLostPairsOffset + i * kLostPairBytes + 4,
                                 pairs_[i].count);
    }
    commit_record(at, record, size);
    store_plain<double>(block_, kPendingFullOffset, 0);
    store_plain<double>(block_, kPendingInvalidOffset, 0);
    pending_pairs_ = 0;
    return true;
  }

  void count_drop(std::uint16_t id, std::size_t pending_offset, std::size_t total_offset) {
    store_plain<double>(block_, pending_offset, load_plain<double>(block_, pending_offset) + 1);
    store_plain<double>(block_, total_offset, load_plain<double>(block_, total_offset) + 1);
    for (std::uint32_t i = 0; i < pending_pairs_; ++i) {
      if (pairs_[i].id == id) {
        ++pairs_[i].count;
        return;
      }
    }
    // Past kLostMaxPairs distinct ids the drop is still in the totals, just not itemised. The
    // first drop always takes a pair, so pending_pairs_ != 0 exactly when drops are pending.
    if (pending_pairs_ < kLostMaxPairs) {
      pairs_[pending_pairs_++] = LostPair{id, 1};
    }
  }

  // limit: the cursor may grow to here without the slow path (no wrap, no full check).
  void update_limit() {
    const std::uint64_t lap_end = (cursor_ | (capacity_ - 1)) + 1;
    const std::uint64_t room_end = (overwrite_ ? tail_ : read_cache_) + capacity_;
    store_plain<std::uint32_t>(block_, kLimitOffset,
                               static_cast<std::uint32_t>(std::min(lap_end, room_end)));
  }

  struct LostPair {
    std::uint32_t id;
    std::uint32_t count;
  };

  std::uint8_t* block_;
  std::uint8_t* data_;
  std::uint32_t capacity_;
  bool overwrite_;
  // Full (64-bit) mirrors of the positions the control block holds modulo 2^32.
  std::uint64_t cursor_ = 0;
  std::uint64_t tail_ = 0;
  std::uint64_t read_cache_ = 0;
  std::array<LostPair, kLostMaxPairs> pairs_{};
  std::uint32_t pending_pairs_ = 0;
  std::vector<std::uint64_t> staging_;  // one record, 8-byte aligned, allocated once
};

}  // namespace ringtrace
