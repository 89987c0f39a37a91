// The one packet sequence the export writes: each TracePacket goes out as field 1 of Trace
// (length-delimited), so the file is a Trace however many packets are appended, and nothing but
// the packet being written is held. Every packet carries the sequence id; the first clears the
// sequence's incremental state (the interning tables) and says it is the first, and every
// packet with a TrackEvent declares that it needs that state.
//
// The tables are bounded: short string values are interned, and span ids are unique, so when
// they hold INTERNED_LIMIT strings they are dropped and the next packet clears the state again
// (a reader then forgets the old ids, as after the first packet).

import { ProtoWriter } from '../../export/protobuf/proto-writer.js'
import { DebugAnnotations } from './debug-annotations.js'
import { InternedStrings } from './interned-strings.js'
import {
  EVENT_TRACK_UUID, EVENT_TYPE, INTERNED_DEBUG_ANNOTATION_NAMES, INTERNED_DEBUG_ANNOTATION_STRING_VALUES,
  INTERNED_EVENT_NAMES, PACKET_FIRST_PACKET_ON_SEQUENCE, PACKET_INTERNED_DATA, PACKET_SEQUENCE_FLAGS,
  PACKET_TIMESTAMP, PACKET_TRACK_DESCRIPTOR, PACKET_TRACK_EVENT, PACKET_TRUSTED_PACKET_SEQUENCE_ID,
  SEQ_INCREMENTAL_STATE_CLEARED, SEQ_NEEDS_INCREMENTAL_STATE, TRACE_PACKET, TRACK_UUID,
} from './trace-proto-fields.js'

/** The writer's sequence: one producer, so any non-zero id. */
const SEQUENCE_ID = 1
/** Strings the three tables may hold together: about 10 MiB of heap with GUID-sized values. */
const INTERNED_LIMIT = 100_000

export class PacketSequence {
  readonly writer = new ProtoWriter(256 * 1024)
  readonly eventNames = new InternedStrings(INTERNED_EVENT_NAMES)
  private readonly annotationNames = new InternedStrings(INTERNED_DEBUG_ANNOTATION_NAMES)
  private readonly stringValues = new InternedStrings(INTERNED_DEBUG_ANNOTATION_STRING_VALUES)
  readonly annotations = new DebugAnnotations(this.writer, this.annotationNames, this.stringValues)
  private packetsWritten = 0
  /** The next packet clears the incremental state: it is the first, or the tables were dropped. */
  private clearing = true
  private packetMark = 0
  private bodyMark = 0

  /** Starts a packet with a TrackEvent of `type` on track `uuid`; add its fields, then endEvent(). */
  beginEvent(ns: bigint, type: number, uuid: number): void {
    if (this.eventNames.size + this.annotationNames.size + this.stringValues.size >= INTERNED_LIMIT) {
      this.eventNames.clear()
      this.annotationNames.clear()
      this.stringValues.clear()
      this.clearing = true
    }
    const w = this.writer
    this.begin()
    w.uint64(PACKET_TIMESTAMP, ns)
    this.bodyMark = w.begin(PACKET_TRACK_EVENT)
    w.uint(EVENT_TYPE, type)
    w.uint(EVENT_TRACK_UUID, uuid)
  }

  /** Ends the TrackEvent, then writes the interned strings it used first and the sequence flags. */
  endEvent(): void {
    const w = this.writer
    w.end(this.bodyMark)
    if (this.eventNames.hasFresh || this.annotationNames.hasFresh || this.stringValues.hasFresh) {
      // After the event in the packet: a reader takes a packet's interned data before its event.
      const mark = w.begin(PACKET_INTERNED_DATA)
      this.eventNames.writeFresh(w)
      this.annotationNames.writeFresh(w)
      this.stringValues.writeFresh(w)
      w.end(mark)
    }
    w.uint(PACKET_SEQUENCE_FLAGS, this.clearing ? SEQ_INCREMENTAL_STATE_CLEARED | SEQ_NEEDS_INCREMENTAL_STATE : SEQ_NEEDS_INCREMENTAL_STATE)
    this.clearing = false
    this.end()
  }

  /** Starts a packet with a TrackDescriptor of `uuid`; add its fields, then endDescriptor(). */
  beginDescriptor(uuid: number): void {
    this.begin()
    this.bodyMark = this.writer.begin(PACKET_TRACK_DESCRIPTOR)
    this.writer.uint(TRACK_UUID, uuid)
  }

  endDescriptor(): void {
    this.writer.end(this.bodyMark)
    if (this.clearing) this.writer.uint(PACKET_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED)
    this.clearing = false
    this.end()
  }

  /** The bytes written since the last call. */
  take(): Uint8Array {
    const bytes = this.writer.finish()
    this.writer.reset()
    return bytes
  }

  private begin(): void {
    this.packetMark = this.writer.begin(TRACE_PACKET)
    this.writer.uint(PACKET_TRUSTED_PACKET_SEQUENCE_ID, SEQUENCE_ID)
    if (this.packetsWritten++ === 0) this.writer.bool(PACKET_FIRST_PACKET_ON_SEQUENCE, true)
  }

  private end(): void {
    this.writer.end(this.packetMark)
  }
}
