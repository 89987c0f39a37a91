// ETW provider identity from its name, as EventSource and TraceLogging tools derive it
// (docs/etw.md): `tracelog -guid *Name`, `PerfView /OnlyProviders=*Name` and WPR find the
// provider by this GUID, so the name alone is enough to collect its events.

import { createHash } from 'node:crypto'
import { guidText } from '../reader/guid-text.js'

/** The EventSource name-hashing namespace, 48 2C 2D B2 C3 90 47 C8 87 F8 1A 15 BF C1 30 FB. */
const NAMESPACE = Buffer.from('482c2db2c39047c887f81a15bfc130fb', 'hex')

/**
 * Upper-cases one UTF-16 code unit at a time, as .NET's ToUpperInvariant does: a character whose
 * JS upper case is longer ('ß' -> 'SS') or is a surrogate stays as it is, so the hashed bytes
 * match what Windows tools compute.
 */
function upperInvariant(name: string): string {
  let out = ''
  for (let i = 0; i < name.length; i++) {
    const unit = name[i]!
    const upper = unit.toUpperCase()
    out += upper.length === 1 ? upper : unit
  }
  return out
}

/** The provider GUID of `name`: 16 bytes in Windows memory order (Data1..3 little-endian). */
export function providerGuid(name: string): Uint8Array {
  const upper = Buffer.from(upperInvariant(name), 'utf16le').swap16()  // UTF-16 big-endian
  const hash = createHash('sha1').update(NAMESPACE).update(upper).digest()
  const guid = new Uint8Array(hash.subarray(0, 16))
  guid[7] = (guid[7]! & 0x0f) | 0x50  // version 5 (name-based SHA-1), in Data3's high byte
  return guid
}

/** The provider GUID of `name` as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
export function providerGuidText(name: string): string {
  return guidText(providerGuid(name), 0)
}

/**
 * The provider traits blob: u16 size (itself included), the name in UTF-8 and a NUL. ETW gets it
 * from EventSetInformation(EventProviderSetTraits) and as data descriptor 0 of every event.
 */
export function providerTraits(name: string): Uint8Array {
  const utf8 = Buffer.from(name, 'utf8')
  if (utf8.length === 0 || utf8.includes(0)) throw new RangeError('A provider name must be non-empty and hold no NUL')
  const size = 2 + utf8.length + 1
  if (size > 0xffff) throw new RangeError('A provider name must be shorter than 65532 UTF-8 bytes')
  const traits = new Uint8Array(size)
  new DataView(traits.buffer).setUint16(0, size, true)
  traits.set(utf8, 2)
  return traits
}
