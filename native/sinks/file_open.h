// The file operations the sinks need, one implementation per OS: file_open_posix.cc uses
// open(2)/write(2)/ftruncate(2) on the UTF-8 bytes N-API hands us; file_open_win32.cc converts the
// name to UTF-16 for _wopen (the narrow CRT calls read names in the ANSI code page) and uses the
// CRT's _write/_chsize_s on the descriptor.
//
// Raw descriptors rather than std::FILE: after a failed write the sink must know exactly how
// many bytes reached the file, to cut a torn chunk off (stdio keeps an unknown share buffered).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ringtrace {

struct FileOpenOptions {
  bool truncate = true;  // else append: keep what is there and write after it
  // Permission bits of a file this creates (POSIX; Windows has no mode bits beyond read-only).
  std::uint32_t permissions = 0600;
  // Follow a symbolic link at the last path component. Off: opening a link fails with ELOOP
  // (POSIX O_NOFOLLOW; on Windows, see file_open_win32.cc).
  bool follow_symlinks = false;
};

// A descriptor positioned at the end of the file, or -1 with errno set (EINVAL for a name that
// is not UTF-8).
int open_trace_file(const std::string& path, const FileOpenOptions& options);

// Writes all `size` bytes (retrying short writes and EINTR). Returns how many were written: less
// than `size` means an error, with errno set.
std::size_t write_file(int fd, const void* data, std::size_t size);

// Cuts the file to `size` bytes and positions the descriptor there. False with errno set when
// the file cannot be cut (the position is still set, so the next write lands at `size`).
bool truncate_file(int fd, std::uint64_t size);

// The current position (the file's size, as the sinks only append; 0 for a pipe), or -1 with
// errno set.
std::int64_t file_position(int fd);

// False with errno set when the close reported an error.
bool close_file(int fd);

// Test seam: while not 0, every write_file() fails with this errno and writes nothing (a full
// disk without a full disk). Process-wide.
void set_write_fault(int error_number);

}  // namespace ringtrace
