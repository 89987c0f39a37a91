// The live ETW output: the provider registered with Windows. One file per OS:
// etw_provider_win32.cc on Windows (CMake picks it), etw_provider_stub.cc elsewhere.
//
// Windows: open is EventRegister(guid, enable callback) then EventSetInformation(
// EventProviderSetTraits, traits); write_event() is EventWriteTransfer with [traits, metadata,
// payload...] as data descriptors of types 2, 1, 0; close() is EventUnregister. The enable
// callback feeds the output's SessionTracker (etw_session.h), from which the collector computes
// the eventGate words of the rings that write for ETW alone (FORMAT.md section 1).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "etw/etw_output.h"

namespace ringtrace::etw {

// Registers the provider. `force_writes`: no SessionTracker, every event is written as if a
// session wanted everything (tests under Wine, whose ETW never calls back). Null with `error`
// set when ETW is not available (any OS but Windows) or registration fails.
std::unique_ptr<EtwOutput> open_etw_provider(std::span<const std::uint8_t> guid,
                                             std::span<const std::uint8_t> traits,
                                             bool force_writes, std::string& error);

}  // namespace ringtrace::etw
