#include "etw/capture_output.h"

namespace ringtrace::etw {

std::unique_ptr<CaptureOutput> CaptureOutput::open(const std::string& path,
                                                   std::span<const std::uint8_t> guid,
                                                   std::span<const std::uint8_t> traits,
                                                   FileOpenOptions options,
                                                   std::string& error) {
  options.truncate = true;
  // FileSink is the buffered, error-remembering writer the trace files use. Its "chunks" are
  // raw bytes padded to 8; capture headers and records are already multiples of 8, so they pass
  // unchanged. The header goes in through write_out(), not as the FILE chunk.
  std::unique_ptr<FileSink> file = FileSink::open(path, options, {}, error);
  if (!file) return nullptr;
  std::unique_ptr<CaptureOutput> output(new CaptureOutput(guid, traits, std::move(file)));
  // The header is what the file cannot do without: kept and written again after a failure.
  output->file_->write_raw_chunk(output->writer_.bytes());
  output->writer_.clear();
  return output;
}

CaptureOutput::CaptureOutput(std::span<const std::uint8_t> guid,
                             std::span<const std::uint8_t> traits, std::unique_ptr<FileSink> file)
    : writer_(guid, traits), file_(std::move(file)) {}

bool CaptureOutput::write_event(const EncodedEvent& event) {
  writer_.add_encoded(event);
  write_out();
  return true;
}

void CaptureOutput::write_dropped(DropReason reason, std::uint32_t count) {
  writer_.add_dropped(reason, count);
  write_out();
}

// Record by record into the file's 1 MiB buffer: the writer's vector keeps its capacity, so
// after the first events nothing is allocated. A record the file could not take is dropped: the
// capture format has no loss accounting, and its flush() reports the error.
void CaptureOutput::write_out() {
  file_->write_raw_chunk(writer_.bytes(), FileSink::OnFailure::kDrop);
  writer_.clear();
}

}  // namespace ringtrace::etw
