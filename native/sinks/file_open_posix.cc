#include "file_open.h"

namespace ringtrace {

// POSIX names are bytes; Node passes UTF-8 and so do we.
std::FILE* open_utf8_file(const std::string& path, const char* mode) {
  return std::fopen(path.c_str(), mode);
}

}  // namespace ringtrace
