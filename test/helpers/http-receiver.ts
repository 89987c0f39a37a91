// A plain HTTP receiver for exporter tests: answers every request after a delay, records each
// body (gunzipped when it came gzipped) and how many requests were in flight at once.

import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { closeServer, listenLocal } from './local-server.js'

export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** As sent. */
  wireBytes: number
  /** Decoded (gunzipped when Content-Encoding: gzip). */
  body: Buffer
}

export interface Receiver {
  readonly url: URL
  readonly received: ReceivedRequest[]
  /** The most requests that were being answered at the same moment. */
  readonly maxInFlight: number
  close(): Promise<void>
}

export interface ReceiverOptions {
  /** Holds each answer this long (default 0). */
  delayMs?: number
  /** Answers instead of a bare 200. */
  respond?(res: ServerResponse, request: ReceivedRequest): void
}

/** Starts a receiver on 127.0.0.1, port 0. */
export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const received: ReceivedRequest[] = []
  const timers = new Set<NodeJS.Timeout>()
  let inFlight = 0
  let maxInFlight = 0
  const server = createServer((req, res) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const wire = Buffer.concat(chunks)
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        wireBytes: wire.length,
        body: req.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire,
      }
      received.push(request)
      const timer = setTimeout(() => {
        timers.delete(timer)
        inFlight--
        if (options.respond !== undefined) options.respond(res, request)
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      }, options.delayMs ?? 0)
      timers.add(timer)
    })
  })
  const url = await listenLocal(server)
  return {
    url,
    received,
    get maxInFlight() { return maxInFlight },
    close: () => {
      for (const timer of timers) clearTimeout(timer)
      return closeServer(server)
    },
  }
}
