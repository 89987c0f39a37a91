// RFC 9110 header syntax, checked where headers are configured: a field name is a token; a
// value is visible characters, spaces and tabs (no CR or LF, which would split the request).
// Checked here rather than by node:http, which an app that only traces should not have to load
// (5-12 ms measured on this project's machines).

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name)
}

export function isHeaderValue(value: unknown): value is string {
  return typeof value === 'string' && HEADER_VALUE.test(value)
}

/** Headers that frame the request: the exporter sets them, and refuses them from the user. */
export const RESERVED_HEADERS: readonly string[] = ['content-type', 'content-encoding', 'content-length', 'transfer-encoding', 'connection', 'host']

export function isReservedHeader(name: string): boolean {
  return RESERVED_HEADERS.includes(name.toLowerCase())
}
