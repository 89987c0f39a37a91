#include "ring_file.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

namespace ringtrace {
namespace {

std::string failure(const std::string& what, const std::string& path, DWORD error) {
  return what + " " + path + ": Windows error " + std::to_string(error);
}

// Names are UTF-8 from N-API; the W calls take UTF-16 (the A calls would read the ANSI code page).
std::wstring wide(const std::string& utf8) {
  const int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(),
                                    static_cast<int>(utf8.size()), nullptr, 0);
  if (n <= 0) return {};
  std::wstring out(static_cast<std::size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), static_cast<int>(utf8.size()),
                      out.data(), n);
  return out;
}

}  // namespace

// Windows has no mode bits: `permissions` does not apply (the directory's ACL does).
std::unique_ptr<RingFile> RingFile::create(const std::string& path, std::size_t bytes,
                                           std::uint32_t, std::string& error) {
  const std::wstring name = wide(path);
  if (name.empty()) {
    error = "cannot create ring file " + path + ": the name is not UTF-8";
    return nullptr;
  }
  HANDLE file = CreateFileW(name.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, nullptr,
                            CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    error = failure("cannot create ring file", path, GetLastError());
    return nullptr;
  }
  LARGE_INTEGER size;
  size.QuadPart = static_cast<LONGLONG>(bytes);
  // Setting the end of file allocates the blocks on NTFS, so the mapping never meets a full disk.
  if (!SetFilePointerEx(file, size, nullptr, FILE_BEGIN) || !SetEndOfFile(file)) {
    error = failure("cannot reserve " + std::to_string(bytes) + " bytes for ring file", path,
                    GetLastError());
    CloseHandle(file);
    DeleteFileW(name.c_str());
    return nullptr;
  }
  HANDLE mapping = CreateFileMappingW(file, nullptr, PAGE_READWRITE,
                                      static_cast<DWORD>(static_cast<std::uint64_t>(bytes) >> 32),
                                      static_cast<DWORD>(bytes & 0xFFFFFFFFu), nullptr);
  DWORD map_error = GetLastError();
  void* view = mapping == nullptr ? nullptr : MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, bytes);
  if (mapping != nullptr && view == nullptr) map_error = GetLastError();
  // The view keeps the mapping and the file alive; the handles are not needed any more.
  if (mapping != nullptr) CloseHandle(mapping);
  CloseHandle(file);
  if (view == nullptr) {
    error = failure("cannot map ring file", path, map_error);
    DeleteFileW(name.c_str());
    return nullptr;
  }
  return std::unique_ptr<RingFile>(new RingFile(path, static_cast<std::uint8_t*>(view), bytes));
}

RingFile::~RingFile() { UnmapViewOfFile(bytes_); }

std::uint32_t RingFile::process_id() { return static_cast<std::uint32_t>(GetCurrentProcessId()); }

}  // namespace ringtrace
