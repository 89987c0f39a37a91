// Capture mode: an EtwOutput that writes each event's capture record (docs/etw.md, "Capture
// files") to a file, exactly what the Windows output would pass to EventWriteTransfer.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "etw/capture_writer.h"
#include "etw/etw_output.h"
#include "sinks/file_sink.h"

namespace ringtrace::etw {

class CaptureOutput final : public EtwOutput {
 public:
  // Creates (truncates) `path` as `options` say (permissions, symbolic links; `truncate` is
  // ignored: a capture always starts afresh) and writes the capture header. Null with `error`
  // set when the file cannot be opened.
  static std::unique_ptr<CaptureOutput> open(const std::string& path,
                                             std::span<const std::uint8_t> guid,
                                             std::span<const std::uint8_t> traits,
                                             FileOpenOptions options, std::string& error);

  // Always true: file errors are the file's, reported by flush() and close().
  bool write_event(const EncodedEvent& event) override;
  void write_dropped(DropReason reason, std::uint32_t count) override;
  bool flush() override { return file_->flush(); }
  bool close() override { return file_->close(); }
  std::string error_message() const override { return file_->error_message(); }

 private:
  CaptureOutput(std::span<const std::uint8_t> guid, std::span<const std::uint8_t> traits,
                std::unique_ptr<FileSink> file);
  void write_out();

  CaptureWriter writer_;
  std::unique_ptr<FileSink> file_;
};

}  // namespace ringtrace::etw
