// Opening a file by its UTF-8 name (what N-API hands us), one implementation per OS:
// file_open_posix.cc passes the bytes to fopen; file_open_win32.cc converts them to UTF-16 for
// _wfopen, since the narrow fopen of the Windows CRT reads names in the ANSI code page.
#pragma once

#include <cstdio>
#include <string>

namespace ringtrace {

// std::fopen semantics: null with errno set on failure (EINVAL for a name that is not UTF-8).
std::FILE* open_utf8_file(const std::string& path, const char* mode);

}  // namespace ringtrace
