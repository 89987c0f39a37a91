// Reads a Perfetto trace as a trace processor would, for the tests: protobufjs decodes it with
// the subset of Perfetto's protos in test/fixtures/perfetto/, interned ids are resolved in file
// order (a packet's interned data before its event, tables dropped at SEQ_INCREMENTAL_STATE_CLEARED),
// and each track's events are replayed sorted by time, equal times in file order (as
// trace_processor's sorter does), into slices: an end closes the innermost open slice.

import { join } from 'node:path'
import protobuf from 'protobufjs'

const root = protobuf.loadSync(join(__dirname, '..', 'fixtures', 'perfetto', 'trace-subset.proto'))
const TraceMessage = root.lookupType('perfetto.protos.Trace')

export const SEQ_INCREMENTAL_STATE_CLEARED = 1
export const SEQ_NEEDS_INCREMENTAL_STATE = 2
export const TYPE_SLICE_BEGIN = 1
export const TYPE_SLICE_END = 2
export const TYPE_INSTANT = 3
export const TYPE_COUNTER = 4

/** An annotation's value with the oneof field it came in: `{ int: '5' }`, `{ string: 'x' }`, ... */
export type AnnotationValue = { bool: boolean } | { uint: string } | { int: string } | { double: number } | { string: string } | { array: AnnotationValue[] }

interface RawAnnotation {
  nameIid?: string
  value?: string
  boolValue?: boolean
  uintValue?: string
  intValue?: string
  doubleValue?: number
  stringValue?: string
  stringValueIid?: string
  arrayValues?: RawAnnotation[]
}

interface RawPacket {
  timestamp?: string
  trustedPacketSequenceId?: number
  sequenceFlags?: number
  firstPacketOnSequence?: boolean
  trackEvent?: { type?: number; nameIid?: string; trackUuid?: string; counterValue?: string; debugAnnotations?: RawAnnotation[] }
  trackDescriptor?: {
    uuid?: string; name?: string; parentUuid?: string
    process?: { pid?: number; processName?: string }
    thread?: { pid?: number; tid?: string; threadName?: string }
    counter?: { unit?: number }
  }
  internedData?: {
    eventNames?: { iid: string; name: string }[]
    debugAnnotationNames?: { iid: string; name: string }[]
    debugAnnotationStringValues?: { iid: string; str: Uint8Array }[]
  }
}

export interface PerfettoEvent {
  /** Position in the file. */
  index: number
  ns: bigint
  type: number
  track: string
  name: string | undefined
  args: Record<string, AnnotationValue>
  counter: number | undefined
}

export interface PerfettoSlice {
  track: string
  name: string
  startNs: bigint
  /** undefined: never ended. */
  endNs: bigint | undefined
  depth: number
  parent: PerfettoSlice | undefined
  args: Record<string, AnnotationValue>
}

export interface PerfettoTrace {
  packets: RawPacket[]
  tracks: Map<string, NonNullable<RawPacket['trackDescriptor']>>
  events: PerfettoEvent[]
  slices: PerfettoSlice[]
  /** What a trace processor would complain about: empty for a good trace. */
  problems: string[]
}

export function readPerfettoTrace(bytes: Uint8Array): PerfettoTrace {
  const decoded = TraceMessage.toObject(TraceMessage.decode(bytes), { longs: String, oneofs: true, bytes: Buffer }) as { packet?: RawPacket[] }
  const packets = decoded.packet ?? []
  const problems: string[] = []
  const tracks = new Map<string, NonNullable<RawPacket['trackDescriptor']>>()
  const events: PerfettoEvent[] = []
  let names = new Map<string, string>()
  let annotationNames = new Map<string, string>()
  let stringValues = new Map<string, string>()
  let stateValid = false
  packets.forEach((packet, index) => {
    if (packet.trustedPacketSequenceId !== 1) problems.push(`packet ${index}: sequence id ${packet.trustedPacketSequenceId}`)
    const flags = packet.sequenceFlags ?? 0
    if (index === 0 && (packet.firstPacketOnSequence !== true || (flags & SEQ_INCREMENTAL_STATE_CLEARED) === 0)) problems.push('first packet does not clear the state')
    if (index !== 0 && packet.firstPacketOnSequence === true) problems.push(`packet ${index}: first_packet_on_sequence again`)
    if ((flags & SEQ_INCREMENTAL_STATE_CLEARED) !== 0) {
      names = new Map()
      annotationNames = new Map()
      stringValues = new Map()
      stateValid = true
    }
    for (const entry of packet.internedData?.eventNames ?? []) names.set(entry.iid, entry.name)
    for (const entry of packet.internedData?.debugAnnotationNames ?? []) annotationNames.set(entry.iid, entry.name)
    for (const entry of packet.internedData?.debugAnnotationStringValues ?? []) stringValues.set(entry.iid, Buffer.from(entry.str).toString('utf8'))
    if (packet.trackDescriptor !== undefined) {
      const uuid = packet.trackDescriptor.uuid!
      if (tracks.has(uuid)) problems.push(`track ${uuid} described twice`)
      tracks.set(uuid, packet.trackDescriptor)
    }
    const event = packet.trackEvent
    if (event === undefined) return
    if ((flags & SEQ_NEEDS_INCREMENTAL_STATE) === 0 || !stateValid) problems.push(`packet ${index}: an event without SEQ_NEEDS_INCREMENTAL_STATE`)
    if (!tracks.has(event.trackUuid!)) problems.push(`packet ${index}: track ${event.trackUuid} not described before`)
    const resolve = (table: Map<string, string>, iid: string, what: string): string => {
      const text = table.get(iid)
      if (text === undefined) problems.push(`packet ${index}: ${what} iid ${iid} not interned`)
      return text ?? `?${iid}`
    }
    const value = (raw: RawAnnotation): AnnotationValue => {
      switch (raw.value) {
        case 'boolValue': return { bool: raw.boolValue! }
        case 'uintValue': return { uint: raw.uintValue! }
        case 'intValue': return { int: raw.intValue! }
        case 'doubleValue': return { double: raw.doubleValue! }
        case 'stringValue': return { string: raw.stringValue! }
        case 'stringValueIid': return { string: resolve(stringValues, raw.stringValueIid!, 'string value') }
      }
      return { array: (raw.arrayValues ?? []).map(value) }
    }
    const args: Record<string, AnnotationValue> = {}
    for (const raw of event.debugAnnotations ?? []) args[resolve(annotationNames, raw.nameIid!, 'annotation name')] = value(raw)
    events.push({
      index, ns: BigInt(packet.timestamp ?? '0'), type: event.type ?? 0, track: event.trackUuid!,
      name: event.nameIid === undefined ? undefined : resolve(names, event.nameIid, 'event name'),
      args, counter: event.counterValue === undefined ? undefined : Number(event.counterValue),
    })
  })
  return { packets, tracks, events, slices: replaySlices(events, problems), problems }
}

function replaySlices(events: readonly PerfettoEvent[], problems: string[]): PerfettoSlice[] {
  const sorted = [...events].sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.index - b.index))
  const stacks = new Map<string, PerfettoSlice[]>()
  const slices: PerfettoSlice[] = []
  for (const event of sorted) {
    let stack = stacks.get(event.track)
    if (stack === undefined) stacks.set(event.track, stack = [])
    if (event.type === TYPE_SLICE_BEGIN) {
      const slice: PerfettoSlice = { track: event.track, name: event.name!, startNs: event.ns, endNs: undefined, depth: stack.length, parent: stack.at(-1), args: event.args }
      stack.push(slice)
      slices.push(slice)
    } else if (event.type === TYPE_SLICE_END) {
      const slice = stack.pop()
      if (slice === undefined) problems.push(`packet ${event.index}: an end on track ${event.track} with no slice open`)
      else slice.endNs = event.ns
    }
  }
  return slices
}
