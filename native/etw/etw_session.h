// What the ETW sessions listening to a provider want, and the rule that turns it into a yes or
// no per event. ETW reports the sessions through the provider's enable callback, on a thread of
// its own; the collector reads the result under its mutex and turns it into eventGate words.
//
//   ETW thread:   enable callback --on_enable_callback()--> SessionTracker (own leaf mutex,
//                                                            generation + 1)
//   collector:    every drain pass, flush(), set_event_gate(): changed_since(generation)?
//                 -> the rings' gates are recomputed under the collector's mutex
//
// Design: the callback never takes the collector's mutex. Windows may invoke the enable callback
// from inside EventRegister (a session already listening) and EventUnregister waits for a
// callback in progress; the collector calls both under its mutex, so a callback that took that
// mutex could deadlock. The tracker's mutex is a leaf: nothing else is locked while it is held.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace ringtrace::etw {

// The combined state ETW reports (several sessions: their union, as ETW computes it).
struct SessionState {
  bool enabled = false;
  std::uint8_t level = 0;     // 0 = every level
  std::uint64_t any = 0;      // MatchAnyKeyword
  std::uint64_t all = 0;      // MatchAllKeyword
};

// A session that takes every event: capture files and `forceWrites` providers behave as if one
// were listening.
inline constexpr SessionState kEverySession{true, 0, ~std::uint64_t{0}, 0};

// Whether an event of `level` and `keyword` is wanted: TraceLogging's rule (TraceLoggingProvider.h
// and TraceLoggingDynamic.h use it): level 0 in the session means every level, a keyword 0 event
// matches every session, and otherwise the keyword must share a bit with MatchAnyKeyword and
// hold all of MatchAllKeyword. A session with MatchAnyKeyword 0 therefore gets only keyword-0
// events, as from any TraceLogging provider (docs/etw.md, "Recording on Windows").
inline bool session_wants(const SessionState& session, std::uint8_t level, std::uint64_t keyword) {
  return session.enabled && (session.level == 0 || level <= session.level) &&
         (keyword == 0 || ((keyword & session.any) != 0 && (keyword & session.all) == session.all));
}

// EVENT_CONTROL_CODE_* (evntprov.h): what an enable callback's IsEnabled argument says.
inline constexpr std::uint32_t kControlDisable = 0;
inline constexpr std::uint32_t kControlEnable = 1;
inline constexpr std::uint32_t kControlCaptureState = 2;

class SessionTracker {
 public:
  // The enable callback's arguments, from ETW's thread. Disable clears the state; capture-state
  // requests (ringtrace has no state to log) and unknown codes change nothing.
  void on_enable_callback(std::uint32_t control_code, std::uint8_t level, std::uint64_t any,
                          std::uint64_t all);

  // When the state changed since `generation` (start at 0): sets `state` and `generation` and
  // returns true. A relaxed load decides the common case (nothing changed) without the mutex.
  bool changed_since(std::uint64_t& generation, SessionState& state) const;

 private:
  mutable std::mutex mutex_;
  SessionState state_;
  // Bumped under mutex_ after each change; also read without it as a hint (a stale read only
  // delays the change to the next pass, 1 ms later).
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace ringtrace::etw
