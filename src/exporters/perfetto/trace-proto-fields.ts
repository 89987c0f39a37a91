// Field numbers and enum values of Perfetto's trace protos (github.com/google/perfetto,
// protos/perfetto/trace/): only what the export writes. Each group names its upstream file.

/** trace.proto, Trace: `repeated TracePacket packet = 1`, so packets can be appended one by one. */
export const TRACE_PACKET = 1

/** trace_packet.proto, TracePacket. */
export const PACKET_TIMESTAMP = 8
export const PACKET_TRUSTED_PACKET_SEQUENCE_ID = 10
export const PACKET_TRACK_EVENT = 11
export const PACKET_INTERNED_DATA = 12
export const PACKET_SEQUENCE_FLAGS = 13
export const PACKET_TRACK_DESCRIPTOR = 60
export const PACKET_FIRST_PACKET_ON_SEQUENCE = 87
/** TracePacket.SequenceFlags. */
export const SEQ_INCREMENTAL_STATE_CLEARED = 1
export const SEQ_NEEDS_INCREMENTAL_STATE = 2

/** track_event/track_descriptor.proto, TrackDescriptor. */
export const TRACK_UUID = 1
export const TRACK_NAME = 2
export const TRACK_PROCESS = 3
export const TRACK_THREAD = 4
export const TRACK_PARENT_UUID = 5
export const TRACK_COUNTER = 8

/** track_event/process_descriptor.proto, ProcessDescriptor. */
export const PROCESS_PID = 1
export const PROCESS_NAME = 6

/** track_event/thread_descriptor.proto, ThreadDescriptor. */
export const THREAD_PID = 1
export const THREAD_TID = 2
export const THREAD_NAME = 5

/** track_event/counter_descriptor.proto, CounterDescriptor and its Unit. */
export const COUNTER_UNIT = 3
export const UNIT_COUNT = 2

/** track_event/track_event.proto, TrackEvent and its Type. */
export const EVENT_DEBUG_ANNOTATIONS = 4
export const EVENT_TYPE = 9
export const EVENT_NAME_IID = 10
export const EVENT_TRACK_UUID = 11
export const EVENT_COUNTER_VALUE = 30
export const TYPE_SLICE_BEGIN = 1
export const TYPE_SLICE_END = 2
export const TYPE_INSTANT = 3
export const TYPE_COUNTER = 4

/** track_event/debug_annotation.proto, DebugAnnotation. */
export const ANNOTATION_NAME_IID = 1
export const ANNOTATION_BOOL = 2
export const ANNOTATION_UINT = 3
export const ANNOTATION_INT = 4
export const ANNOTATION_DOUBLE = 5
export const ANNOTATION_STRING = 6
export const ANNOTATION_ARRAY_VALUES = 12
export const ANNOTATION_STRING_VALUE_IID = 17

/** interned_data/interned_data.proto, InternedData. */
export const INTERNED_EVENT_NAMES = 2
export const INTERNED_DEBUG_ANNOTATION_NAMES = 3
export const INTERNED_DEBUG_ANNOTATION_STRING_VALUES = 29
/**
 * The entries' own fields: EventName and DebugAnnotationName (track_event.proto,
 * debug_annotation.proto) have `iid = 1, name = 2` (a string), InternedString
 * (profiling/profile_common.proto) `iid = 1, str = 2` (bytes): the same wire form.
 */
export const INTERNED_IID = 1
export const INTERNED_TEXT = 2
