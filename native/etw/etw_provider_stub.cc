// No live ETW here: only capture files (etw_provider.h says what the Windows file will do).
#include "etw/etw_provider.h"

namespace ringtrace::etw {

std::unique_ptr<EtwOutput> open_etw_provider(std::span<const std::uint8_t>,
                                             std::span<const std::uint8_t>, std::string& error) {
#ifdef _WIN32
  error = "ETW provider registration is not wired yet; use capture mode (etw: { capture: path })";
#else
  error = "ETW exists only on Windows; use capture mode (etw: { capture: path })";
#endif
  return nullptr;
}

}  // namespace ringtrace::etw
