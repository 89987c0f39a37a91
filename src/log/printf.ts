// A message with printf-style arguments, as pino formats one: %s String(), %d and %f Number(),
// %i an integer, %o %O %j JSON (line-json.ts, so a cycle or a throwing getter cannot escape),
// %% a percent sign. A placeholder without an argument stays as it is; arguments without a
// placeholder are left out, as pino leaves them.

import { jsonText } from './line-json.js'

const CONVERSIONS = 'sdifoOj'

/** `template` with `args[start..]` put in its placeholders; JSON is cut near `maxChars`. */
export function formatMessage(template: string, args: ArrayLike<unknown>, start: number, maxChars: number): string {
  let out = ''
  /** Where the text not yet copied to `out` begins. */
  let from = 0
  let next = start
  for (let i = template.indexOf('%'); i >= 0 && i + 1 < template.length; i = template.indexOf('%', i + 2)) {
    const conversion = template[i + 1]!
    if (conversion === '%') {
      out += template.slice(from, i + 1)
      from = i + 2
    } else if (CONVERSIONS.includes(conversion) && next < args.length) {
      out += template.slice(from, i) + converted(conversion, args[next++], maxChars)
      from = i + 2
    }
  }
  return out + template.slice(from)
}

function converted(conversion: string, value: unknown, maxChars: number): string {
  try {
    switch (conversion) {
      case 's': return typeof value === 'object' && value !== null ? jsonText(value, maxChars) : String(value)
      case 'd': case 'f': return typeof value === 'bigint' ? String(value) : String(Number(value))
      case 'i': return typeof value === 'bigint' ? String(value) : String(Math.trunc(Number(value)))
      default: return jsonText(value, maxChars)
    }
  } catch {
    // A value whose valueOf, toString or Symbol.toPrimitive throws.
    return '[unprintable]'
  }
}
