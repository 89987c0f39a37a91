// Owner of one ring's memory: control block + data area, 64-byte aligned and zeroed. Either
// heap memory or, for createTracer's ringDir, a mapped ring file (native/recorder/ring_file.h):
// the block then starts after the file's header, on a page boundary.
//
// Shared by the JS side (the external ArrayBuffer's finalizer holds one reference) and the
// collector (its registry holds one until the ring is detached): the memory lives until both
// are done, whichever order the GC and the close run in.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "ring_layout.h"

namespace ringtrace {

class RingFile;

class RingMemory {
 public:
  RingMemory(std::uint32_t capacity, bool overwrite)
      : capacity_(capacity),
        overwrite_(overwrite),
        // nothrow: a 1 GiB ring may not be available, and that is a JS error, not an abort.
        bytes_(static_cast<std::uint8_t*>(
            ::operator new(size(), std::align_val_t{kRingAlignment}, std::nothrow))) {
    // Zero everything, data included: padding bytes of records are copied to files as they
    // are, so they must never carry stale process memory.
    if (bytes_ != nullptr) std::memset(bytes_, 0, size());
  }
  // `block` lies inside the mapping `file` owns (a new ring file is all zeroes already). A
  // shared_ptr, whose deleter is bound where it is made: this header needs no RingFile, so the
  // ring stays header-only for the tests that build it alone (native/test/ring_replay.cc).
  RingMemory(std::uint32_t capacity, bool overwrite, std::shared_ptr<RingFile> file,
             std::uint8_t* block)
      : capacity_(capacity), overwrite_(overwrite), bytes_(block), file_(std::move(file)) {}
  ~RingMemory() {
    if (!file_) ::operator delete(bytes_, std::align_val_t{kRingAlignment});
  }

  // False when the allocation failed; nothing else may be called then.
  bool allocated() const { return bytes_ != nullptr; }
  RingMemory(const RingMemory&) = delete;
  RingMemory& operator=(const RingMemory&) = delete;

  std::uint8_t* block() const { return bytes_; }
  std::size_t size() const { return kControlBlockBytes + capacity_; }
  std::uint32_t capacity() const { return capacity_; }
  bool overwrite() const { return overwrite_; }
  // The ring file behind the memory, or null for heap memory.
  RingFile* file() const { return file_.get(); }

 private:
  std::uint32_t capacity_;
  bool overwrite_;
  std::uint8_t* bytes_;
  std::shared_ptr<RingFile> file_;
};

static_assert(kControlBlockBytes % kRingAlignment == 0 && kMinRingBytes % kRingAlignment == 0,
              "the allocation size is a multiple of the alignment, as aligned new wants");


}  // namespace ringtrace
