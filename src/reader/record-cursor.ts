// The record being decoded. One cursor per reader is reused for every record, so decoding a
// record allocates only the values it returns.

export class RecordCursor {
  bytes: Buffer = Buffer.alloc(0)
  view: DataView = new DataView(new ArrayBuffer(0))
  /** Record start and end (exclusive) in `bytes`. */
  start = 0
  end = 0
  /** Where the next variable field begins. */
  pos = 0
  /** Element count of the variable field just located. */
  count = 0
  /** A variable field ran past the end of the record. */
  overrun = false
  /** Names of the fields of this record whose value was cut. */
  truncated: string[] | undefined = undefined

  at(bytes: Buffer, view: DataView, start: number, end: number): void {
    this.bytes = bytes
    this.view = view
    this.start = start
    this.end = end
    this.overrun = false
    this.truncated = undefined
  }
}
