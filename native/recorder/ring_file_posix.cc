#include "ring_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ringtrace {
namespace {

std::string failure(const std::string& what, const std::string& path, int error) {
  return what + " " + path + ": " + std::strerror(error);
}

// Reserves the file's blocks, so that a store into the mapping never meets a full disk (SIGBUS).
// Where the file system cannot (EOPNOTSUPP) or the OS has no posix_fallocate, the file is only
// sized: documented in docs/flight-recorder.md.
int reserve(int fd, std::size_t bytes) {
#if defined(__linux__)
  const int error = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes));
  if (error != EOPNOTSUPP && error != EINVAL) return error;
#endif
  return ::ftruncate(fd, static_cast<off_t>(bytes)) == 0 ? 0 : errno;
}

}  // namespace

std::unique_ptr<RingFile> RingFile::create(const std::string& path, std::size_t bytes,
                                           std::uint32_t permissions, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                        static_cast<mode_t>(permissions));
  if (fd < 0) {
    error = failure("cannot create ring file", path, errno);
    return nullptr;
  }
  if (const int reserve_error = reserve(fd, bytes); reserve_error != 0) {
    error = failure("cannot reserve " + std::to_string(bytes) + " bytes for ring file", path,
                    reserve_error);
    ::close(fd);
    ::unlink(path.c_str());
    return nullptr;
  }
  int flags = MAP_SHARED;
#if defined(MAP_POPULATE)
  flags |= MAP_POPULATE;
#endif
  void* mapped = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, fd, 0);
  const int map_error = errno;
  // The mapping keeps the file open; the descriptor is not needed any more.
  ::close(fd);
  if (mapped == MAP_FAILED) {
    error = failure("cannot map ring file", path, map_error);
    ::unlink(path.c_str());
    return nullptr;
  }
  return std::unique_ptr<RingFile>(new RingFile(path, static_cast<std::uint8_t*>(mapped), bytes));
}

RingFile::~RingFile() { ::munmap(bytes_, size_); }

std::uint32_t RingFile::process_id() { return static_cast<std::uint32_t>(::getpid()); }

}  // namespace ringtrace
