// The live ETW provider (etw_provider.h): EventRegister + EventSetInformation(traits) at open,
// EventWriteTransfer per event, EventUnregister at close. The enable callback only records the
// sessions' state (etw_session.h says why it never touches the collector).
#ifndef WINVER
#define WINVER 0x0A00  // EventSetInformation is declared for Windows 8 and later
#endif
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0A00
#endif
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <evntprov.h>

#include <cstring>
#include <vector>

#include "etw/etw_provider.h"

namespace ringtrace::etw {
namespace {

// EVENT_INFO_CLASS EventProviderSetTraits; mingw-w64's evntprov.h does not name it.
constexpr int kEventProviderSetTraits = 2;

static_assert(sizeof(EVENT_DESCRIPTOR) == sizeof(EventDescriptor),
              "ringtrace's EventDescriptor mirrors EVENT_DESCRIPTOR");
static_assert(sizeof(EVENT_DATA_DESCRIPTOR) == 16, "EVENT_DATA_DESCRIPTOR is 16 bytes");

std::string windows_error(const char* call, ULONG status) {
  return std::string(call) + " failed with Windows error " + std::to_string(status);
}

// Type is the low byte of the descriptor's last 4 bytes: the Windows SDK names it in a union
// (Type, Reserved1, Reserved2), mingw-w64 only as `Reserved`.
void set_data(EVENT_DATA_DESCRIPTOR& out, const void* data, std::size_t size, std::uint8_t type) {
  out.Ptr = reinterpret_cast<ULONGLONG>(data);
  out.Size = static_cast<ULONG>(size);
  out.Reserved = type;
}

class EtwProvider final : public EtwOutput {
 public:
  EtwProvider(std::span<const std::uint8_t> traits, bool force_writes)
      : traits_(traits.begin(), traits.end()), force_writes_(force_writes) {
    // Descriptor 0 is the same for every event: set once.
    set_data(data_[0], traits_.data(), traits_.size(), kDataTypeProviderMetadata);
  }
  // The enable callback's context is `this`: unregister before it goes.
  ~EtwProvider() override { close(); }
  EtwProvider(const EtwProvider&) = delete;
  EtwProvider& operator=(const EtwProvider&) = delete;

  bool open(std::span<const std::uint8_t> guid, std::string& error) {
    GUID provider_id;
    std::memcpy(&provider_id, guid.data(), sizeof provider_id);
    // The callback may run before EventRegister returns (a session already listening); it
    // needs nothing that is set after this call.
    ULONG status = EventRegister(&provider_id, &EtwProvider::enable_callback, this, &handle_);
    if (status != ERROR_SUCCESS) {
      error = windows_error("EventRegister", status);
      return false;
    }
    registered_ = true;
    // ETW honours the data descriptors' Type field only once the traits are set: without them
    // the traits and metadata would reach sessions as payload, so registration fails instead.
    status = EventSetInformation(handle_, static_cast<EVENT_INFO_CLASS>(kEventProviderSetTraits),
                                 traits_.data(), static_cast<ULONG>(traits_.size()));
    if (status != ERROR_SUCCESS) {
      error = windows_error("EventSetInformation(EventProviderSetTraits)", status);
      close();
      return false;
    }
    return true;
  }

  bool write_event(const EncodedEvent& event) override {
    if (event.payload.size() > kMaxPayloadSpans) return false;
    EVENT_DESCRIPTOR descriptor;
    std::memcpy(&descriptor, event.descriptor, sizeof descriptor);
    // Never NULL for the activity id: NULL means "the writing thread's activity id".
    GUID activity = {};
    if (event.ids.has_activity) std::memcpy(&activity, event.ids.activity, sizeof activity);
    GUID related;
    if (event.ids.has_related) std::memcpy(&related, event.ids.related, sizeof related);
    set_data(data_[1], event.metadata.data(), event.metadata.size(), kDataTypeEventMetadata);
    for (std::size_t i = 0; i < event.payload.size(); ++i) {
      set_data(data_[2 + i], event.payload[i].data, event.payload[i].size, kDataTypeUser);
    }
    const ULONG status =
        EventWriteTransfer(handle_, &descriptor, &activity,
                           event.ids.has_related ? &related : nullptr,
                           static_cast<ULONG>(2 + event.payload.size()), data_);
    return status == ERROR_SUCCESS;
  }

  // ETW has no record of a dropped event: the ring's etwDropped counter is where users see it.
  void write_dropped(DropReason, std::uint32_t) override {}
  bool flush() override { return error_.empty(); }

  bool close() override {
    if (!registered_) return error_.empty();
    registered_ = false;
    // Waits for an enable callback in progress, which only takes the tracker's leaf mutex.
    const ULONG status = EventUnregister(handle_);
    if (status != ERROR_SUCCESS && error_.empty()) error_ = windows_error("EventUnregister", status);
    return error_.empty();
  }

  std::string error_message() const override { return error_; }
  const SessionTracker* sessions() const override {
    return force_writes_ ? nullptr : &sessions_;
  }

 private:
  static void NTAPI enable_callback(LPCGUID, ULONG control_code, UCHAR level,
                                    ULONGLONG match_any, ULONGLONG match_all,
                                    PEVENT_FILTER_DESCRIPTOR, PVOID context) {
    static_cast<EtwProvider*>(context)->sessions_.on_enable_callback(control_code, level,
                                                                     match_any, match_all);
  }

  std::vector<std::uint8_t> traits_;
  bool force_writes_;
  REGHANDLE handle_ = 0;
  bool registered_ = false;
  SessionTracker sessions_;
  std::string error_;
  // The data descriptors of the event being written: reused, so a write allocates nothing.
  // The collector writes under its mutex, so one set per provider is enough.
  EVENT_DATA_DESCRIPTOR data_[kMaxDataDescriptors] = {};
};

}  // namespace

std::unique_ptr<EtwOutput> open_etw_provider(std::span<const std::uint8_t> guid,
                                             std::span<const std::uint8_t> traits,
                                             bool force_writes, std::string& error) {
  if (guid.size() != kGuidBytes) {
    error = "an ETW provider GUID is 16 bytes";
    return nullptr;
  }
  auto provider = std::make_unique<EtwProvider>(traits, force_writes);
  if (!provider->open(guid, error)) return nullptr;
  return provider;
}

}  // namespace ringtrace::etw
