// One of a sequence's interning tables (event names, annotation names, annotation string
// values): a string becomes a small id, and its entry is written in the first packet that
// uses it, as Perfetto's incremental state requires (the reader resolves ids in file order).

import type { ProtoWriter } from '../../export/protobuf/proto-writer.js'
import { INTERNED_IID, INTERNED_TEXT } from './trace-proto-fields.js'

export class InternedStrings {
  private readonly iids = new Map<string, number>()
  /** Strings given an id since the last writeFresh(), in id order. */
  private fresh: string[] = []

  /** `field`: this table's repeated field of InternedData. */
  constructor(private readonly field: number) {}

  get size(): number {
    return this.iids.size
  }

  /** The id of `text` (from 1: 0 means "not set" in Perfetto's protos). */
  iid(text: string): number {
    let iid = this.iids.get(text)
    if (iid === undefined) {
      iid = this.iids.size + 1
      this.iids.set(text, iid)
      this.fresh.push(text)
    }
    return iid
  }

  get hasFresh(): boolean {
    return this.fresh.length !== 0
  }

  /** Writes the entries made since the last call, as fields of the InternedData being written. */
  writeFresh(writer: ProtoWriter): void {
    let iid = this.iids.size - this.fresh.length
    for (const text of this.fresh) {
      const mark = writer.begin(this.field)
      writer.uint(INTERNED_IID, ++iid)
      writer.string(INTERNED_TEXT, text)
      writer.end(mark)
    }
    this.fresh = []
  }

  /** Forgets every id: after a packet that clears the sequence's incremental state. */
  clear(): void {
    this.iids.clear()
    this.fresh = []
  }
}
