// No live ETW outside Windows: only capture files (etw_provider.h; the Windows file is
// etw_provider_win32.cc).
#include "etw/etw_provider.h"

namespace ringtrace::etw {

std::unique_ptr<EtwOutput> open_etw_provider(std::span<const std::uint8_t>,
                                             std::span<const std::uint8_t>, bool,
                                             std::string& error) {
  error = "live ETW exists only on Windows; use capture mode (etw: { capture: path }) to see "
          "the events ETW would receive";
  return nullptr;
}

}  // namespace ringtrace::etw
