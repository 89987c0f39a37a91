// Field values as TrackEvent debug annotations, typed: integers as int_value (64-bit ones that
// are not negative as uint_value), other numbers as double_value, booleans, strings (short ones
// interned: ids repeat as parentId and traceId, names and routes across spans) and typed arrays
// (binary included: without the schema a Uint8Array could be either) as arrays of those.

import type { ProtoWriter } from '../../export/protobuf/proto-writer.js'
import type { FieldValue } from '../../reader/trace-items.js'
import type { InternedStrings } from './interned-strings.js'
import {
  ANNOTATION_ARRAY_VALUES, ANNOTATION_BOOL, ANNOTATION_DOUBLE, ANNOTATION_INT, ANNOTATION_NAME_IID,
  ANNOTATION_STRING, ANNOTATION_STRING_VALUE_IID, ANNOTATION_UINT, EVENT_DEBUG_ANNOTATIONS,
} from './trace-proto-fields.js'

/**
 * Strings up to this length are interned. Longer ones (messages, SQL) rarely repeat, and one
 * that does not costs its entry on top of the reference; a GUID's text (36) fits.
 */
const INTERNED_VALUE_CHARS = 64

export class DebugAnnotations {
  constructor(private readonly writer: ProtoWriter, private readonly names: InternedStrings, private readonly values: InternedStrings) {}

  /** One annotation of the TrackEvent being written. */
  add(name: string, value: FieldValue): void {
    const w = this.writer
    const mark = w.begin(EVENT_DEBUG_ANNOTATIONS)
    w.uint(ANNOTATION_NAME_IID, this.names.iid(name))
    this.value(value)
    w.end(mark)
  }

  /** Every field of `fields` but those in `skip`. */
  addAll(fields: Record<string, FieldValue>, skip: ReadonlySet<string> | undefined): void {
    for (const key of Object.keys(fields)) {
      if (skip?.has(key) !== true) this.add(key, fields[key]!)
    }
  }

  private value(value: FieldValue): void {
    const w = this.writer
    switch (typeof value) {
      case 'number':
        if (Number.isSafeInteger(value)) w.int(ANNOTATION_INT, value)
        else w.double(ANNOTATION_DOUBLE, value)
        return
      case 'bigint':
        if (value >= 0n) w.uint64(ANNOTATION_UINT, value)
        else w.int64(ANNOTATION_INT, value)
        return
      case 'boolean':
        w.bool(ANNOTATION_BOOL, value)
        return
      case 'string':
        if (value.length <= INTERNED_VALUE_CHARS) w.uint(ANNOTATION_STRING_VALUE_IID, this.values.iid(value))
        else w.string(ANNOTATION_STRING, value)
        return
    }
    for (let i = 0; i < value.length; i++) {
      const mark = w.begin(ANNOTATION_ARRAY_VALUES)
      this.value(value[i]!)
      w.end(mark)
    }
  }
}
