// The JSON push body, which Loki's push endpoint takes with Content-Type application/json:
//   {"streams":[{"stream":{"<label>":"<value>",...},"values":[["<unix ns>","<line>",{<structured metadata>}],...]}]}
// The time is a decimal string of nanoseconds; the metadata object is left out when empty.
// Gzip, if any, is the HTTP layer's (Content-Encoding: gzip).

import type { LokiLabel } from './loki-labels.js'
import type { LokiStream } from './loki-streams.js'

const utf8 = new TextEncoder()

function pairsObject(pairs: readonly LokiLabel[]): string {
  let text = '{'
  for (let i = 0; i < pairs.length; i++) text += `${i === 0 ? '' : ','}${JSON.stringify(pairs[i]!.name)}:${JSON.stringify(pairs[i]!.value)}`
  return `${text}}`
}

/** The JSON push body of `streams`, as UTF-8. */
export function encodeLokiPushJson(streams: readonly LokiStream[]): Uint8Array {
  const parts: string[] = []
  for (const stream of streams) {
    const values: string[] = []
    for (const entry of stream.entries) {
      const metadata = entry.metadata.length === 0 ? '' : `,${pairsObject(entry.metadata)}`
      values.push(`["${entry.timeNs}",${JSON.stringify(entry.line)}${metadata}]`)
    }
    parts.push(`{"stream":${pairsObject(stream.labels)},"values":[${values.join(',')}]}`)
  }
  return utf8.encode(`{"streams":[${parts.join(',')}]}`)
}
