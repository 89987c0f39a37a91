#include "file_open.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace ringtrace {
namespace {

// Relaxed: a test sets it between operations it orders itself; it publishes nothing.
std::atomic<int> g_write_fault{0};

}  // namespace

// POSIX names are bytes; Node passes UTF-8 and so do we.
int open_trace_file(const std::string& path, const FileOpenOptions& options) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (options.truncate ? O_TRUNC : 0);
  if (!options.follow_symlinks) flags |= O_NOFOLLOW;
  const int fd = ::open(path.c_str(), flags, static_cast<mode_t>(options.permissions));
  if (fd < 0) return -1;
  // A pipe has no position (ESPIPE): it is written as a stream, from its start.
  if (::lseek(fd, 0, SEEK_END) < 0 && errno != ESPIPE) {
    const int error = errno;
    ::close(fd);
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
    const ssize_t n = ::write(fd, bytes + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return done;
    }
    if (n == 0) {
      errno = EIO;
      return done;
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

bool truncate_file(int fd, std::uint64_t size) {
  const bool cut = ::ftruncate(fd, static_cast<off_t>(size)) == 0;
  const int error = errno;
  ::lseek(fd, static_cast<off_t>(size), SEEK_SET);
  errno = error;
  return cut;
}

std::int64_t file_position(int fd) {
  const off_t position = ::lseek(fd, 0, SEEK_CUR);
  return position < 0 && errno == ESPIPE ? 0 : position;
}

bool close_file(int fd) { return ::close(fd) == 0; }

void set_write_fault(int error_number) {
  g_write_fault.store(error_number, std::memory_order_relaxed);
}

}  // namespace ringtrace
