// One POST of an encoded body, bounded in time and memory whatever the peer does. The time limit
// covers the whole exchange, not socket idleness, so a peer that trickles a byte at a time is cut
// as surely as one that never answers; at most RESPONSE_BODY_LIMIT bytes of the answer are kept,
// so an endless body costs nothing but the time limit.

import { request as httpRequest, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'

/** Enough for any receiver's error message or partial-success answer. */
export const RESPONSE_BODY_LIMIT = 64 * 1024

export interface ExchangeRequest {
  url: URL
  /** An https.Agent for an https: URL. */
  agent: Agent
  headers: OutgoingHttpHeaders
  body: Uint8Array
  timeoutMs: number
  /** Aborting destroys the request at once. */
  signal: AbortSignal
}

/** What came back: an error before any status line, or the status with as much of the body as arrived in time. */
export type Exchange =
  | { status: number; headers: IncomingHttpHeaders; body: Uint8Array; error?: undefined }
  | { status?: undefined; error: NodeJS.ErrnoException }

function timeoutError(timeoutMs: number): NodeJS.ErrnoException {
  return Object.assign(new Error(`no complete response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })
}

/**
 * Posts `body` and never rejects. Once the status line has arrived the status decides the
 * outcome (the receiver has made up its mind), so a body cut short by the limit, the timeout or a
 * reset is returned as far as it came; the socket is destroyed rather than reused in those cases.
 */
export function postOnce(exchange: ExchangeRequest): Promise<Exchange> {
  return new Promise((resolve) => {
    const request = exchange.url.protocol === 'https:' ? httpsRequest : httpRequest
    const chunks: Buffer[] = []
    let size = 0
    let answer: { status: number; headers: IncomingHttpHeaders } | undefined
    let done = false
    const finish = (error?: NodeJS.ErrnoException): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve(answer !== undefined ? { ...answer, body: Buffer.concat(chunks, size) } : { error: error ?? new Error('no response') })
    }
    const cut = (error?: NodeJS.ErrnoException): void => {
      finish(error)
      req.destroy()
    }
    const timer = setTimeout(() => cut(timeoutError(exchange.timeoutMs)), exchange.timeoutMs)
    let req: ReturnType<typeof httpRequest>
    try {
      req = request(exchange.url, { method: 'POST', agent: exchange.agent, headers: exchange.headers, signal: exchange.signal })
    } catch (error) {
      finish(error as NodeJS.ErrnoException)
      return
    }
    req.on('error', finish)
    req.on('response', (res) => {
      answer = { status: res.statusCode ?? 0, headers: res.headers }
      res.on('data', (chunk: Buffer) => {
        const room = RESPONSE_BODY_LIMIT - size
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk)
        size += Math.min(chunk.length, room)
        if (size === RESPONSE_BODY_LIMIT) cut()
      })
      res.on('end', () => finish())
      res.on('error', finish)
      res.on('close', () => finish())
    })
    req.end(exchange.body)
  })
}
