// `etw: { forceWrites: true, capture: path }`: every event goes to the live provider and, as the
// same call's capture record, to a file. Under Wine (where no session can listen) this proves
// that the Windows build passes EventWriteTransfer the bytes a Linux capture shows
// (scripts/smoke/wine-etw.sh).
#pragma once

#include <memory>
#include <string>

#include "etw/etw_output.h"

namespace ringtrace::etw {

class TeeOutput final : public EtwOutput {
 public:
  TeeOutput(std::unique_ptr<EtwOutput> live, std::unique_ptr<EtwOutput> capture)
      : live_(std::move(live)), capture_(std::move(capture)) {}

  // The capture records what was passed, whatever ETW answered; the answer is the live one's.
  bool write_event(const EncodedEvent& event) override {
    capture_->write_event(event);
    return live_->write_event(event);
  }
  void write_dropped(DropReason reason, std::uint32_t count) override {
    live_->write_dropped(reason, count);
    capture_->write_dropped(reason, count);
  }
  bool flush() override {
    const bool live_ok = live_->flush();
    return capture_->flush() && live_ok;
  }
  bool close() override {
    const bool live_ok = live_->close();
    return capture_->close() && live_ok;
  }
  std::string error_message() const override {
    const std::string live = live_->error_message();
    return live.empty() ? capture_->error_message() : live;
  }
  const SessionTracker* sessions() const override { return live_->sessions(); }

 private:
  std::unique_ptr<EtwOutput> live_;
  std::unique_ptr<EtwOutput> capture_;
};

}  // namespace ringtrace::etw
