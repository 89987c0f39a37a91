#include "etw/etw_session.h"

namespace ringtrace::etw {

void SessionTracker::on_enable_callback(std::uint32_t control_code, std::uint8_t level,
                                        std::uint64_t any, std::uint64_t all) {
  SessionState next;
  if (control_code == kControlEnable) {
    next = SessionState{true, level, any, all};
  } else if (control_code != kControlDisable) {
    return;
  }
  std::lock_guard lock(mutex_);
  state_ = next;
  generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

bool SessionTracker::changed_since(std::uint64_t& generation, SessionState& state) const {
  if (generation_.load(std::memory_order_relaxed) == generation) return false;
  std::lock_guard lock(mutex_);
  generation = generation_.load(std::memory_order_relaxed);
  state = state_;
  return true;
}

}  // namespace ringtrace::etw
