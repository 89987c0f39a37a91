// The provider traits blob (EVENT_DATA_DESCRIPTOR 0 of every TraceLogging event, and the data
// of EventSetInformation(EventProviderSetTraits)): u16 size including itself, the provider name
// in UTF-8 and a NUL. ringtrace sets no optional traits (no provider group).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringtrace::etw {

// False with `error` set when the name is empty, holds a NUL, or does not fit a u16 size.
bool provider_traits(std::string_view provider_name, std::vector<std::uint8_t>& out,
                     std::string& error);

}  // namespace ringtrace::etw
