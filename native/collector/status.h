// Result of a collector call, mapped by the addon onto the JS error class it names. The native
// core is built without exceptions, so failures travel as values, and [[nodiscard]] makes the
// compiler refuse a dropped one: a caller handles it or says why not (static_cast<void>).
#pragma once

#include <string>
#include <utility>

namespace ringtrace {

enum class StatusCode {
  kOk,
  kRangeError,  // an id that names nothing: RangeError
  kStateError,  // a call that does not fit the ring's state: Error
  kIoError,     // a file could not be opened or written: Error with the errno text
  kUnsupported, // not available on this OS or build: Error
};

struct [[nodiscard]] Status {
  StatusCode code = StatusCode::kOk;
  std::string message;

  bool ok() const { return code == StatusCode::kOk; }
  static Status error(StatusCode code, std::string message) {
    return Status{code, std::move(message)};
  }
};

}  // namespace ringtrace
