// Redaction: values named by path never reach a ring, so no sink, file, export or subscriber can
// hold them. Paths are pino's (fast-redact's) syntax:
//
//   password                   a field (of any event, span or log line) or a log line's key
//   req.headers.authorization  a key inside a logged object
//   req.headers["x-api-key"]   a key that is not an identifier, quoted in brackets
//   *.password                 `password` one level down, under any key
//   users[*].token             every element of an array (or every key of an object)
//
// A path of one segment names a field: its schema says `str` and `"redacted": true`, and the
// record writer stores the censor instead of the value it is given, so the value costs nothing
// and is not even read. Longer paths reach into logged objects, which the logger writes as JSON:
// the JSON writer puts the censor where a path ends (line-json.ts).

import { describeValue, TracerError } from '../errors.js'
import { checkKnownKeys } from '../option-keys.js'

export const DEFAULT_CENSOR = '[Redacted]'

/** createTracer's and logger()'s `redact`: the paths, or the paths and a censor. */
export type RedactOption = readonly string[] | { paths: readonly string[]; censor?: string }

/** A node of the paths: what ends here, and the paths that go on by key or by wildcard. */
export class RedactionTree {
  terminal = false
  readonly children = new Map<string, RedactionTree>()
  any: RedactionTree | null = null
  /** child() of keys that both a named path and a wildcard continue: their union, made once. */
  private readonly unions = new Map<string, RedactionTree>()

  /** Where the paths go on below `key`; undefined when none does. */
  child(key: string): RedactionTree | undefined {
    const named = this.children.get(key)
    if (this.any === null) return named
    if (named === undefined) return this.any
    let union = this.unions.get(key)
    if (union === undefined) {
      union = new RedactionTree()
      union.add(named)
      union.add(this.any)
      this.unions.set(key, union)
    }
    return union
  }

  /** Adds every path of `other` to this tree. */
  add(other: RedactionTree): void {
    this.terminal ||= other.terminal
    for (const [key, node] of other.children) this.childOrAdd(key).add(node)
    if (other.any !== null) {
      this.any ??= new RedactionTree()
      this.any.add(other.any)
    }
  }

  childOrAdd(key: string): RedactionTree {
    let node = this.children.get(key)
    if (node === undefined) {
      node = new RedactionTree()
      this.children.set(key, node)
    }
    return node
  }
}

/** A checked `redact` option. */
export interface Redaction {
  readonly paths: readonly string[]
  readonly censor: string
  readonly tree: RedactionTree
}

function invalidPath(what: string, path: unknown, why: string): TracerError {
  return new TracerError('INVALID_OPTION', `ringtrace: ${what}: path ${describeValue(path)} ${why} (paths look like 'password', 'req.headers.authorization', 'req.headers["x-api-key"]', '*.password', 'users[*].token')`)
}

/** The segments of one path: keys, or '*' for a wildcard (a quoted "*" is the key *). */
export function pathSegments(path: unknown, what: string): { key: string; wildcard: boolean }[] {
  if (typeof path !== 'string' || path === '') throw invalidPath(what, path, 'must be a non-empty string')
  const segments: { key: string; wildcard: boolean }[] = []
  let i = 0
  for (;;) {
    if (path[i] === '[') {
      const close = path.indexOf(']', i)
      if (close < 0) throw invalidPath(what, path, 'has a [ without its ]')
      const inner = path.slice(i + 1, close)
      const quoted = /^(["'])(.*)\1$/s.exec(inner)
      if (inner === '*') segments.push({ key: '*', wildcard: true })
      else if (quoted !== null) segments.push({ key: quoted[2]!, wildcard: false })
      else if (/^\d+$/.test(inner)) segments.push({ key: inner, wildcard: false })
      else throw invalidPath(what, path, `has [${inner}]: brackets hold a quoted key, an index or *`)
      i = close + 1
    } else {
      let end = i
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end++
      const key = path.slice(i, end)
      if (key === '') throw invalidPath(what, path, 'has an empty segment')
      if (key.includes(']')) throw invalidPath(what, path, 'has a ] without its [')
      segments.push({ key, wildcard: key === '*' })
      i = end
    }
    if (i === path.length) return segments
    if (path[i] === '.') {
      i++
      if (i === path.length) throw invalidPath(what, path, 'ends with a dot')
    } else if (path[i] !== '[') {
      throw invalidPath(what, path, `has ${describeValue(path[i])} after a ]`)
    }
  }
}

/** `redact` checked and parsed; undefined when there is nothing to redact. `what` names the option in errors. */
export function parseRedaction(option: unknown, what: string): Redaction | undefined {
  if (option === undefined) return undefined
  let paths: unknown
  let censor: unknown = DEFAULT_CENSOR
  if (Array.isArray(option)) {
    paths = option
  } else if (typeof option === 'object' && option !== null) {
    checkKnownKeys(option as Record<string, unknown>, ['paths', 'censor'], `${what}.`)
    paths = (option as { paths?: unknown }).paths
    censor = (option as { censor?: unknown }).censor ?? DEFAULT_CENSOR
    if (!Array.isArray(paths)) throw new TracerError('INVALID_OPTION', `ringtrace: ${what}.paths must be an array of paths, got ${describeValue(paths)}`)
  } else {
    throw new TracerError('INVALID_OPTION', `ringtrace: ${what} must be an array of paths or { paths, censor }, got ${describeValue(option)}`)
  }
  if (typeof censor !== 'string') throw new TracerError('INVALID_OPTION', `ringtrace: ${what}.censor must be a string, got ${describeValue(censor)}`)
  const tree = new RedactionTree()
  for (const path of paths as unknown[]) {
    let node = tree
    for (const segment of pathSegments(path, what)) {
      node = segment.wildcard ? (node.any ??= new RedactionTree()) : node.childOrAdd(segment.key)
    }
    node.terminal = true
  }
  if ((paths as unknown[]).length === 0) return undefined
  return { paths: [...(paths as string[])], censor, tree }
}

/** The paths of both (a logger's over its tracer's); `inner`'s censor wins. */
export function mergeRedaction(outer: Redaction | undefined, inner: Redaction | undefined): Redaction | undefined {
  if (outer === undefined) return inner
  if (inner === undefined) return outer
  const tree = new RedactionTree()
  tree.add(outer.tree)
  tree.add(inner.tree)
  return { paths: [...outer.paths, ...inner.paths], censor: inner.censor, tree }
}

/** Whether a field named `name` is redacted as a whole (a one-segment path, or `*`). */
export function redactsField(redaction: Redaction | undefined, name: string): boolean {
  return redaction?.tree.child(name)?.terminal === true
}
