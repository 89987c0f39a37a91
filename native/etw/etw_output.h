// Where an ETW sink's events go, one implementation per destination:
//
//   EtwSink (etw_sink.h)  --EncodedEvent-->  EtwOutput
//                                              |- CaptureOutput  (capture_output.h): a capture
//                                              |  file, on every OS (tests, Wine, bug reports)
//                                              |- the ETW provider (etw_provider.h): on Windows
//                                              |  EventRegister + EventSetInformation(traits)
//                                              |  at open, EventWriteTransfer per event
//                                              '- TeeOutput (tee_output.h): the provider and a
//                                                 capture file of what it was given
//
// The sink has decided everything before it calls write_event(): the event fits 64 KiB and 128
// descriptors, the activity ids are explicit, and a session wants it (sessions()). An output
// only delivers.
//
// Thread safety: none; the collector calls every output under its mutex.
#pragma once

#include <cstdint>
#include <string>

#include "etw/capture_writer.h"
#include "etw/etw_session.h"
#include "etw/event_encoder.h"

namespace ringtrace::etw {

class EtwOutput {
 public:
  virtual ~EtwOutput() = default;

  // One event: data descriptors [traits (type 2), event.metadata (type 1), event.payload...
  // (type 0)], event.descriptor, and the activity id (the zero GUID when the event has none,
  // never NULL) and related id (NULL unless event.ids.has_related). False when the destination
  // refused this one event (EventWriteTransfer failed: a session's buffers full, no memory); the
  // sink counts it (RingStats::etw_write_errors) and goes on.
  virtual bool write_event(const EncodedEvent& event) = 0;
  // An event the sink refused (its count is the sink's): a capture file records it; ETW has no
  // such record (the ring's etwDropped counter is where users see it).
  virtual void write_dropped(DropReason reason, std::uint32_t count) = 0;
  // False after any delivery error, with error_message() set; later calls keep failing.
  virtual bool flush() = 0;
  // Flushes and releases the destination (closes the file, unregisters the provider).
  virtual bool close() = 0;
  virtual std::string error_message() const = 0;
  // The sessions this output reports (the live provider's enable callbacks), or null when it
  // takes every event (kEverySession: capture files, `forceWrites`).
  virtual const SessionTracker* sessions() const { return nullptr; }
};

}  // namespace ringtrace::etw
