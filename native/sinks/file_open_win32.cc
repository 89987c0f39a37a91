#include "file_open.h"

#include <cerrno>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

namespace ringtrace {
namespace {

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

std::FILE* open_utf8_file(const std::string& path, const char* mode) {
  const std::wstring wide_path = to_utf16(path);
  if (wide_path.empty()) {
    errno = EINVAL;
    return nullptr;
  }
  // Modes are ASCII ("wb", "ab"), so widening each char is the whole conversion.
  const std::wstring wide_mode(mode, mode + std::char_traits<char>::length(mode));
  return _wfopen(wide_path.c_str(), wide_mode.c_str());
}

}  // namespace ringtrace
