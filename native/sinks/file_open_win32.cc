#include "file_open.h"

#include <fcntl.h>
#include <io.h>
#include <share.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

namespace ringtrace {
namespace {

// Relaxed: a test sets it between operations it orders itself; it publishes nothing.
std::atomic<int> g_write_fault{0};

// UTF-8 to UTF-16 with MB_ERR_INVALID_CHARS: a malformed name fails instead of opening a file
// whose name has U+FFFD in it. Empty on failure (an empty name cannot be opened anyway).
std::wstring to_utf16(const std::string& text) {
  if (text.empty()) return {};
  const int size = static_cast<int>(text.size());
  const int wide_size = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), size,
                                            nullptr, 0);
  if (wide_size <= 0) return {};
  std::wstring wide(static_cast<std::size_t>(wide_size), L'\0');
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), size, wide.data(), wide_size);
  return wide;
}

}  // namespace

// Windows has no O_NOFOLLOW. Without follow_symlinks, a path whose last component is a reparse
// point (a symbolic link or junction) is refused with ELOOP before it is opened; the check and the
// open are two steps, so this narrows the window rather than closing it (docs/api.md says so).
// Permissions: a file created without write permission in `permissions` is made read-only,
// as _S_IWRITE is the only bit the CRT honours; everything else follows the directory's ACL.
int open_trace_file(const std::string& path, const FileOpenOptions& options) {
  const std::wstring wide_path = to_utf16(path);
  if (wide_path.empty()) {
    errno = EINVAL;
    return -1;
  }
  if (!options.follow_symlinks) {
    const DWORD attributes = GetFileAttributesW(wide_path.c_str());
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
      errno = ELOOP;
      return -1;
    }
  }
  const int flags = _O_WRONLY | _O_CREAT | _O_BINARY | _O_NOINHERIT |
                    (options.truncate ? _O_TRUNC : 0);
  const int mode = _S_IREAD | ((options.permissions & 0200) != 0 ? _S_IWRITE : 0);
  int fd = -1;
  if (_wsopen_s(&fd, wide_path.c_str(), flags, _SH_DENYNO, mode) != 0) return -1;
  if (_lseeki64(fd, 0, SEEK_END) < 0) {
    const int error = errno;
    _close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

std::size_t write_file(int fd, const void* data, std::size_t size) {
  if (const int fault = g_write_fault.load(std::memory_order_relaxed); fault != 0) {
    errno = fault;
    return 0;
  }
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  std::size_t done = 0;
  while (done < size) {
    const unsigned piece = static_cast<unsigned>(std::min<std::size_t>(size - done, INT_MAX));
    const int n = _write(fd, bytes + done, piece);
    if (n < 0) return done;
    if (n == 0) {
      errno = EIO;
      return done;
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

bool truncate_file(int fd, std::uint64_t size) {
  const bool cut = _chsize_s(fd, static_cast<__int64>(size)) == 0;
  const int error = errno;
  _lseeki64(fd, static_cast<__int64>(size), SEEK_SET);
  errno = error;
  return cut;
}

std::int64_t file_position(int fd) { return _lseeki64(fd, 0, SEEK_CUR); }

bool close_file(int fd) { return _close(fd) == 0; }

void set_write_fault(int error_number) {
  g_write_fault.store(error_number, std::memory_order_relaxed);
}

}  // namespace ringtrace
