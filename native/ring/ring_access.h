// Typed access to ring memory shared by the producer and the consumer.
//
// Design: the control block is raw bytes (JS writes it through typed arrays), so every field is
// reached through these helpers, never through a struct. Plain fields use memcpy (no aliasing
// or alignment assumptions); the three cross-thread positions and coarseClock use
// std::atomic_ref, with the memory order chosen at each call site.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SANITIZE_THREAD__)
#define RINGTRACE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RINGTRACE_TSAN 1
#endif
#endif
#ifndef RINGTRACE_TSAN
#define RINGTRACE_TSAN 0
#endif

namespace ringtrace {

template <class T>
T load_plain(const std::uint8_t* base, std::size_t offset) {
  T value;
  std::memcpy(&value, base + offset, sizeof(T));
  return value;
}

template <class T>
void store_plain(std::uint8_t* base, std::size_t offset, T value) {
  std::memcpy(base + offset, &value, sizeof(T));
}

// The field must be naturally aligned; ring_layout.h asserts that for every atomic field.
inline std::atomic_ref<std::uint32_t> atomic_u32(std::uint8_t* base, std::size_t offset) {
  return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(base + offset));
}
inline std::atomic_ref<std::uint64_t> atomic_u64(std::uint8_t* base, std::size_t offset) {
  return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(base + offset));
}

// Copies of record bytes. In discard mode the positions fully order the two sides, so a plain
// memcpy is race free. In overwrite mode the consumer copies bytes the producer may be
// overwriting at that moment and throws away what tailPos says was overwritten (a seqlock-style
// optimistic read). Compilers and CPUs handle that memcpy as intended, but it is formally a data
// race, so under ThreadSanitizer both sides copy 8-byte words with relaxed atomics instead: the
// tool then checks everything else and stays quiet about the one race that is by design.
// Records are 8-byte aligned and sized, so word copies never split one.
inline void copy_record_bytes(std::uint8_t* dst, const std::uint8_t* src, std::size_t n,
                              bool racy) {
  if constexpr (RINGTRACE_TSAN) {
    if (racy) {
      for (std::size_t i = 0; i + 8 <= n; i += 8) {
        auto* s = const_cast<std::uint64_t*>(reinterpret_cast<const std::uint64_t*>(src + i));
        auto* d = reinterpret_cast<std::uint64_t*>(dst + i);
        std::atomic_ref<std::uint64_t>(*d).store(
            std::atomic_ref<std::uint64_t>(*s).load(std::memory_order_relaxed),
            std::memory_order_relaxed);
      }
      return;
    }
  }
  std::memcpy(dst, src, n);
}

}  // namespace ringtrace
