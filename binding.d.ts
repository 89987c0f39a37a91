// The native addon's interface: the only contract between src/binding.ts and native/addon/.
// Every function validates its arguments and throws a TypeError/RangeError naming the bad one.
// Other failures are Errors with a `code` (ERR_RINGTRACE_IO, ERR_RINGTRACE_NO_MEMORY,
// ERR_RINGTRACE_STATE, ERR_RINGTRACE_UNSUPPORTED); the TS backend throws the same, so the tracer
// maps both onto one TracerError.

export interface NativeRing {
  /** Process-wide unique ring id; also the stream id in trace files. */
  readonly id: number
  /** Control block + data area (docs/FORMAT.md section 1). Native owns the memory. */
  readonly buffer: ArrayBuffer
  /** The ring file the memory is mapped from, for a ring made in a ring directory. */
  readonly path?: string
}

export interface NativeRingStats {
  /** Event records the collector has taken out of the ring. */
  delivered: number
  /** Sum of the `ringFull` totals of the LOST records delivered so far. */
  lostRingFull: number
  /** Sum of the `invalid` totals of the LOST records delivered so far. */
  lostInvalid: number
  /** Events the collector found overwritten (overwrite mode). */
  lostOverwritten: number
  /**
   * Events taken out of the ring that the file sink could not write (a write error such as a full
   * disk). They are not in `delivered`; the file reports them (LOSS reason unwritten) once it
   * takes writes again.
   */
  lostUnwritten: number
  /**
   * Events skipped with ring bytes that made no sense (a producer bug: a record size of 0 or past
   * what was published, a cursor that moved backwards), counted from the seq gap at the next good
   * record. The consumer resynchronises at writePos instead of looping.
   */
  lostCorrupt: number
  /** Ring bytes skipped so. */
  corruptBytes: number
  /** Bytes of records delivered (padding excluded). */
  bytes: number
  /**
   * Events the ring's ETW sink dropped instead of cutting them: over 64 KiB as a TraceLogging
   * event, or a record without a usable schema. They are still in the trace file. Always 0
   * without an ETW sink (and in the TS backend, which has none).
   */
  etwDropped: number
  /**
   * Events ETW refused: `EventWriteTransfer` returned an error (a session's buffers full, no
   * memory). Counted, never thrown. Always 0 for capture files and without an ETW sink.
   */
  etwWriteErrors: number
  /**
   * Event records of this ring's EVENTS chunks that its live stream dropped (budget full). They
   * are still delivered to the file, so this is not part of the `lost` counters:
   * `written = delivered + lost` is unchanged. LOST and padding records are not counted. Always 0
   * without a live stream.
   */
  liveDropped: number
  /**
   * Loss reports of this ring that its live stream dropped with their chunks: the `ringFull` and
   * `invalid` sums of the LOST records in dropped EVENTS chunks plus the counts of dropped LOSS
   * chunks. An exporter that took everything else can still balance the stream: written = events
   * taken + liveDropped + losses taken + liveDroppedLost.
   */
  liveDroppedLost: number
}

export interface NativeLiveStreamStats {
  /** Bytes queued now (every chunk kind). */
  queuedBytes: number
  /** Bytes handed out by takeLiveChunks() so far. */
  takenBytes: number
  /** EVENTS and LOSS chunks dropped because the budget was full. */
  droppedChunks: number
  /** Bytes of the dropped chunks (headers and padding included). */
  droppedBytes: number
  /** Event records in the dropped EVENTS chunks (the sum of the rings' `liveDropped`). */
  droppedEvents: number
}

export interface NativeBinding {
  /**
   * Allocates a ring of `capacity` data bytes (power of two, 4 KiB .. 1 GiB), control block
   * zeroed; ERR_RINGTRACE_NO_MEMORY when it cannot. A ring never attached is released by
   * closeRing() (its memory then lives until the ArrayBuffer is collected). With `ringDir`, the
   * memory is a new ring file there (docs/FORMAT.md section 6), created with `permissions`
   * (default 0o600, POSIX), its blocks reserved: ERR_RINGTRACE_IO naming the file when it cannot
   * be made. The TS backend has no ring files: ERR_RINGTRACE_UNSUPPORTED.
   */
  createRing(capacity: number, overwrite: boolean, ringDir?: string, permissions?: number): NativeRing
  /**
   * Opens (or joins, when this process already has it open) a trace file sink and returns its id.
   * A new sink opens the path truncated when `truncate`, else for append; it writes `fileChunk`
   * (a complete FILE chunk) when it truncated or the file is empty (a write error there fails the
   * open). A file it creates gets `permissions` (default 0o600); a symbolic link at the path is
   * refused unless `followSymlinks` (default false). A file that cannot be opened throws
   * ERR_RINGTRACE_IO, "cannot open <path>: <reason>". The open holds a reference that the
   * attachRing() naming the sink claims, or releaseFileSink() gives back. Buffered chunks reach
   * the OS at most `flushIntervalMs` (default 100; native only, the TS backend writes every chunk
   * at once) after they were made; a joined sink keeps the shorter interval. Write errors never
   * throw from the collector or a timer: they are counted (`lostUnwritten`) and reported by the
   * next flush().
   */
  openFileSink(path: string, truncate: boolean, fileChunk: Uint8Array, permissions?: number, followSymlinks?: boolean, flushIntervalMs?: number): number
  /**
   * Gives back an open of openFileSink() that no attachRing() claimed (a tracer whose
   * construction failed after it): the file is closed when that was its last reference. Throws
   * ERR_RINGTRACE_STATE when the sink has no such open.
   */
  releaseFileSink(sinkId: number): void
  /**
   * Hands the ring to the collector. `sinkId` 0 means no file (records are drained and counted).
   * `streamChunk` (a complete STREAM chunk) is written to the sink first. `originMonoNs` is the
   * stream origin on the steady clock, so the collector can keep `coarseClock` in the ring's
   * time base.
   */
  attachRing(ringId: number, sinkId: number, originMonoNs: bigint, streamChunk: Uint8Array): void
  /**
   * Opens (or joins, when this process already has one for `provider`) the provider's ETW sink
   * and returns its id. `guid` is the provider GUID (16 bytes, Windows memory order) and
   * `traits` the provider traits blob (u16 size, UTF-8 name, NUL: src/etw/provider-guid.ts).
   * `capturePath` selects capture mode: every event's capture record (docs/etw.md) is written to
   * that file, created afresh by the first open; null means ETW itself (Windows: EventRegister
   * and EventSetInformation(traits); elsewhere it throws ERR_RINGTRACE_UNSUPPORTED, as does a
   * failed registration). `forceWrites` (tests): the live provider writes every event as if a
   * session wanted all of them; with a capture path too, each event goes to ETW and to the
   * capture file, created with `permissions` (default 0o600) and refusing a symbolic link at the
   * path unless `followSymlinks`, as openFileSink. Joining an open sink with another GUID, traits,
   * capture file or forceWrites throws ERR_RINGTRACE_STATE; a file that cannot be created,
   * ERR_RINGTRACE_IO. As with openFileSink(), the open's reference is claimed by attachEtwSink()
   * or given back by releaseEtwSink(). The sink is shared by every thread's rings and closed (its
   * capture file flushed and closed) when the last ring attached to it closes. Optional: the TS
   * ring backend has no TraceLogging encoder and leaves it out.
   */
  openEtwSink?(provider: string, guid: Uint8Array, traits: Uint8Array, capturePath: string | null, forceWrites: boolean, permissions?: number, followSymlinks?: boolean): number
  /** As releaseFileSink(), for an open of openEtwSink() that no attachEtwSink() claimed. Optional, as openEtwSink. */
  releaseEtwSink?(etwSinkId: number): void
  /**
   * Adds the ETW sink `etwSinkId` (from openEtwSink) to an attached ring, in addition to its file
   * sink (or instead of it, when that is 0). Call it before the ring's first SCHEMA chunk:
   * records of an event whose schema the sink has not seen are dropped and counted. From then on
   * every drained event record is also an ETW event; padding and LOST records are not. Throws
   * ERR_RINGTRACE_STATE when the ring is not attached or already has an ETW sink. Optional, as
   * openEtwSink.
   */
  attachEtwSink?(ringId: number, etwSinkId: number): void
  /**
   * Drains what the ring has published, then writes `chunk` (a complete chunk) to its sink. A
   * SCHEMA chunk also gives the ring's ETW sink (if any) that event's TraceLogging encoder.
   */
  writeChunk(ringId: number, chunk: Uint8Array): void
  /**
   * Sets event `eventId`'s configuration gate (docs/FORMAT.md section 1: 0 off, 0xFFFFFFFF
   * always, else a sampling threshold) for an attached ring, and writes its eventGate word. A
   * ring whose only sink is a live ETW provider that follows sessions (no trace file, no live
   * stream, no capture, no forceWrites) gets `gate` while an ETW session wants the event (its
   * schema's level and keyword against the sessions' level and keyword masks) and 0 otherwise,
   * recomputed by the collector whenever the sessions change (and when a live stream is
   * attached, which makes it an ordinary ring); every other ring gets `gate` as is. For
   * configuration changes, not per event. Throws a RangeError for an event id outside 1..4095
   * and ERR_RINGTRACE_STATE for a ring that is not attached. Optional: the TS backend writes
   * its gates itself.
   */
  setEventGate?(ringId: number, eventId: number, gate: number): void
  /** Drains what the ring has published, synchronously, and flushes its sinks to the OS. */
  flush(ringId: number): void
  /**
   * Drains up to the producer's cursor (the producer has stopped), writes the END chunk built from
   * the control block counters, detaches the ring and closes each sink (file, ETW) when it was
   * that sink's last ring.
   * Idempotent. The same happens for every ring of an environment in its cleanup hook.
   */
  closeRing(ringId: number): void
  ringStats(ringId: number): NativeRingStats
  /**
   * Opens a live stream: a bounded in-memory queue of the chunks the collector makes for the
   * rings attached to it (attachLiveStream), taken by an export worker (takeLiveChunks) from any
   * thread (native) or from this thread (TS backend). What is taken, in order, is a valid trace
   * file: `fileChunk` (a complete FILE chunk) is queued first, then each attached ring's chunks in
   * the order its file sink gets them, framed as it frames them. `budgetBytes` (an integer, 1 MiB
   * .. 1 GiB, else a RangeError) bounds the queued bytes of EVENTS and LOSS chunks: one that does
   * not fit is dropped whole and counted (liveStreamStats; per ring, ringStats().liveDropped and
   * liveDroppedLost); a chunk larger than the budget is always dropped, so the budget should
   * exceed the largest EVENTS chunk (ringBytes, at most 4 MiB). FILE, STREAM, SCHEMA and END
   * chunks are always queued: a decoder cannot do without them, and they are few (one FILE; per
   * attached ring one STREAM, at most 4095 SCHEMA, one END). Returns its id. Native: the stream
   * belongs to the opener's environment, whose cleanup hook closes it (after its rings, so their
   * END chunks are queued first).
   */
  openLiveStream(fileChunk: Uint8Array, budgetBytes: number): number
  /**
   * Adds the live stream to an attached ring, before the ring's first SCHEMA chunk, and queues
   * `streamChunk` (a complete STREAM chunk). From then on every chunk the ring's file sink gets
   * (drained EVENTS with their LOST records, LOSS, SCHEMA from writeChunk, END at closeRing) is
   * also queued, whether or not the ring has a file sink (sinkId 0: a ring that only exports).
   * Loss only the file suffered (chunks it could not write, reported in the file as LOSS reason
   * unwritten) is not: the live stream got those chunks. Throws ERR_RINGTRACE_STATE when the
   * ring is not attached or already has a live stream (a ring gets one in its life, even if that
   * stream closed), a RangeError for an unknown or closed `liveId`.
   */
  attachLiveStream(ringId: number, liveId: number, streamChunk: Uint8Array): void
  /**
   * Takes what is queued, oldest first, as one buffer of whole chunks (at most `maxBytes`, an
   * integer from 0 to 2^32 - 1, unless the first chunk alone is larger): a Uint8Array over its own
   * ArrayBuffer, so it starts 8-aligned and can be transferred. null when nothing is queued.
   * Never blocks: native, it never waits for a drain pass, only for a push to finish moving a
   * chunk in. A RangeError for an unknown or closed `liveId`.
   */
  takeLiveChunks(liveId: number, maxBytes: number): Uint8Array | null
  /** The live stream's counters. A RangeError for an unknown or closed `liveId`. */
  liveStreamStats(liveId: number): NativeLiveStreamStats
  /**
   * Releases the live stream: rings attached to it stop queuing, queued chunks are freed, and
   * its id names nothing any more. Idempotent (any id is accepted). A ring that closes later
   * writes its END to its other sinks only.
   */
  closeLiveStream(liveId: number): void
  /** The steady clock the collector uses, in ns. */
  monotonicNs(): bigint
}

/**
 * Test hooks: on the same object as the NativeBinding, but not part of the contract the tracer
 * uses. Tests reach them through testHooksOf() (src/backend/select-backend.ts).
 */
export interface BindingTestHooks {
  /**
   * Slows draining down, to fill rings in tests: the native collector sleeps this many
   * microseconds after every drain pass; the TS backend's timer skips draining until this many
   * microseconds have passed since its last drain. 0 (the default) is off; at most 10 s.
   */
  setDrainDelay(micros: number): void
  /** Every trace file write fails with this errno and writes nothing (0 = off). Process-wide. */
  setWriteFault(errno: number): void
  /**
   * For the ETW encoder: encodes `records` (ring records back to back, as in an EVENTS
   * chunk; records of other event ids, padding and LOST records are skipped) for the event that
   * `schemaJson` (a SCHEMA chunk's JSON) describes, and returns the capture file bytes
   * (docs/etw.md, "Capture files"): what the ETW sink would pass to EventWriteTransfer. Oversize
   * events appear as DROPPED records. Throws a RangeError on a schema ETW cannot take, a bad
   * provider name, a GUID that is not 16 bytes or records that are not whole. Optional: the
   * native addon has it, the TS ring backend (which implements this interface too) does not.
   */
  etwEncodeCapture?(schemaJson: string, records: Uint8Array, providerName: string, providerGuid: Uint8Array): Uint8Array
}
