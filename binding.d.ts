// The native addon's interface: the only contract between src/binding.ts and native/addon/.
// Every function validates its arguments and throws a TypeError/RangeError naming the bad one.

export interface NativeRing {
  /** Process-wide unique ring id; also the stream id in trace files. */
  readonly id: number
  /** Control block + data area (docs/FORMAT.md section 1). Native owns the memory. */
  readonly buffer: ArrayBuffer
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
  /** Bytes of records delivered (padding excluded). */
  bytes: number
}

export interface NativeBinding {
  /** Allocates a ring of `capacity` data bytes (power of two, 4 KiB .. 1 GiB), control block zeroed. */
  createRing(capacity: number, overwrite: boolean): NativeRing
  /**
   * Opens (or joins, when this process already has it open) a trace file sink and returns its id.
   * A new sink opens the path truncated when `truncate`, else for append; it writes `fileChunk`
   * (a complete FILE chunk) when it truncated or the file is empty.
   */
  openFileSink(path: string, truncate: boolean, fileChunk: Uint8Array): number
  /**
   * Hands the ring to the collector. `sinkId` 0 means no file (records are drained and counted).
   * `streamChunk` (a complete STREAM chunk) is written to the sink first. `originMonoNs` is the
   * stream origin on the steady clock, so the collector can keep `coarseClock` in the ring's
   * time base.
   */
  attachRing(ringId: number, sinkId: number, originMonoNs: bigint, streamChunk: Uint8Array): void
  /** Drains what the ring has published, then writes `chunk` (a complete chunk) to its sink. */
  writeChunk(ringId: number, chunk: Uint8Array): void
  /** Drains what the ring has published, synchronously, and flushes the sink to the OS. */
  flush(ringId: number): void
  /**
   * Drains up to the producer's cursor (the producer has stopped), writes the END chunk built from
   * the control block counters, detaches the ring and closes the sink when it was the last ring.
   * Idempotent. The same happens for every ring of an environment in its cleanup hook.
   */
  closeRing(ringId: number): void
  ringStats(ringId: number): NativeRingStats
  /** Test hook: the collector sleeps this many microseconds after every drain pass (0 = off). */
  setDrainDelay(micros: number): void
  /** The steady clock the collector uses, in ns. */
  monotonicNs(): bigint
  /**
   * Test hook for the ETW encoder: encodes `records` (ring records back to back, as in an EVENTS
   * chunk; records of other event ids, padding and LOST records are skipped) for the event that
   * `schemaJson` (a SCHEMA chunk's JSON) describes, and returns the capture file bytes
   * (docs/etw.md, "Capture files"): what the ETW sink would pass to EventWriteTransfer. Oversize
   * events appear as DROPPED records. Throws a RangeError on a schema ETW cannot take, a bad
   * provider name, a GUID that is not 16 bytes or records that are not whole. Optional: the
   * native addon has it, the TS ring backend (which implements this interface too) does not.
   */
  etwEncodeCapture?(schemaJson: string, records: Uint8Array, providerName: string, providerGuid: Uint8Array): Uint8Array
}
