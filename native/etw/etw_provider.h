// The live ETW output: the provider registered with Windows. One file per OS:
// etw_provider_stub.cc today on every OS. The Windows file (etw_provider_win32.cc) is the next
// step (docs/etw.md, "What remains"): EventRegister(guid, enable callback), then
// EventSetInformation(EventProviderSetTraits, traits); write_event() is EventWriteTransfer with
// [traits, metadata, payload...] as data descriptors of types 2, 1, 0; close() is
// EventUnregister. Its enable callback reports the sessions' level and keyword masks, which the
// collector must turn into each attached ring's eventGate words (FORMAT.md section 1).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "etw/etw_output.h"

namespace ringtrace::etw {

// Registers the provider. Null with `error` set when ETW is not available (any OS but Windows,
// and Windows until the win32 file exists) or registration fails.
std::unique_ptr<EtwOutput> open_etw_provider(std::span<const std::uint8_t> guid,
                                             std::span<const std::uint8_t> traits,
                                             std::string& error);

}  // namespace ringtrace::etw
