// A ring whose memory is a file mapped shared (createTracer's ringDir; docs/FORMAT.md section 6).
//
// Design:
// - The file is the ring: a 4 KiB ring-file header, then the control block and data area exactly
//   as an anonymous ring lays them out (ring_layout.h). The producer writes the mapping with the
//   same plain stores as ever, so a file-backed event costs what an anonymous one does; the page
//   cache holds every store made before the process dies, however it dies (SIGKILL, abort, an
//   OOM kill, a native crash). A kernel crash or power loss needs msync, which this does not do.
// - The disk blocks are reserved when the file is made (posix_fallocate where the OS has it): a
//   full disk is an error at createTracer(), never a SIGBUS in the middle of an event.
// - The pages are populated when mapped (MAP_POPULATE on Linux) for the reason the anonymous ring
//   is zeroed up front: the first lap must not pay a page fault per page on the producing thread.
// - One implementation per OS: ring_file_posix.cc (open/posix_fallocate/mmap), ring_file_win32.cc
//   (CreateFileW/CreateFileMappingW/MapViewOfFile).
// - The header is written once at creation by create(); after that only mark_closed() writes it,
//   from the collector thread, once the ring's last drain is done. Readers read it after the
//   process has gone (`ringtrace recover`), so it needs no atomics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ringtrace {

// --- Ring-file header (FORMAT.md section 6); src/recorder/ring-file-layout.ts mirrors it ------
inline constexpr char kRingFileMagic[8] = {'R', 'T', 'R', 'C', 'R', 'I', 'N', 'G'};
inline constexpr std::uint32_t kRingFileVersion = 1;
inline constexpr std::size_t kRingFileHeaderBytes = 4096;
inline constexpr std::size_t kRingFileVersionOffset = 8;
inline constexpr std::size_t kRingFileHeaderSizeOffset = 12;
inline constexpr std::size_t kRingFileCapacityOffset = 16;
inline constexpr std::size_t kRingFileFlagsOffset = 20;
inline constexpr std::size_t kRingFileRingIdOffset = 24;
inline constexpr std::size_t kRingFilePidOffset = 28;
inline constexpr std::size_t kRingFileStateOffset = 32;
inline constexpr std::uint32_t kRingFileFlagOverwrite = 1;
inline constexpr std::uint32_t kRingFileStateOpen = 1;
inline constexpr std::uint32_t kRingFileStateClosed = 2;
// The control block follows the header: a page, so the block is as aligned as a heap ring's.
static_assert(kRingFileHeaderBytes % 64 == 0, "the ring's block starts on a cache line");

class RingFile {
 public:
  // Creates `path` (never an existing file: O_EXCL / CREATE_NEW) of `bytes` bytes with
  // `permissions` (POSIX), reserves its blocks and maps it. Null on failure, with `error` naming
  // the path and the OS's reason.
  static std::unique_ptr<RingFile> create(const std::string& path, std::size_t bytes,
                                          std::uint32_t permissions, std::string& error);
  ~RingFile();
  RingFile(const RingFile&) = delete;
  RingFile& operator=(const RingFile&) = delete;

  std::uint8_t* bytes() const { return bytes_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // This process's id, as the header stores it.
  static std::uint32_t process_id();

 private:
  RingFile(std::string path, std::uint8_t* bytes, std::size_t size)
      : path_(std::move(path)), bytes_(bytes), size_(size) {}

  std::string path_;
  std::uint8_t* bytes_;
  std::size_t size_;
};

}  // namespace ringtrace
