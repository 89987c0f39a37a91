#include "etw/provider_traits.h"

#include <cstring>

namespace ringtrace::etw {

bool provider_traits(std::string_view provider_name, std::vector<std::uint8_t>& out,
                     std::string& error) {
  if (provider_name.empty() || provider_name.find('\0') != std::string_view::npos) {
    error = "a provider name must be non-empty and hold no NUL";
    return false;
  }
  const std::size_t size = 2 + provider_name.size() + 1;
  if (size > 0xFFFF) {
    error = "a provider name must be shorter than 65532 bytes";
    return false;
  }
  out.assign(size, 0);
  const auto size16 = static_cast<std::uint16_t>(size);
  std::memcpy(out.data(), &size16, sizeof size16);
  std::memcpy(out.data() + 2, provider_name.data(), provider_name.size());
  return true;
}

}  // namespace ringtrace::etw
