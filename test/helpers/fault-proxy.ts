// A fault-injecting HTTP proxy to put in front of any HTTP receiver: it reads each request whole,
// records it, then answers with the next planned fault (or forwards it). Faults that HTTP cannot
// express (a reset, bytes that are not HTTP, a trickle) are written to the raw socket.

import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { closeServer, listenLocal } from './local-server.js'

export type Fault =
  /** Forwarded to the receiver, its answer returned. */
  | { kind: 'pass' }
  /** This status (429 with a Retry-After header, 503, 400 with a body, ...) instead of the receiver's. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Keeps the socket open and never answers. */
  | { kind: 'never' }
  /** Drops the connection with a TCP reset. */
  | { kind: 'reset' }
  /** Closes the connection without an answer (the client sees "socket hang up"). */
  | { kind: 'hangup' }
  /** A 200, written one byte every `byteIntervalMs`. */
  | { kind: 'slow'; byteIntervalMs: number }
  /** Bytes that are not HTTP, then the end of the connection. */
  | { kind: 'garbage' }
  /** A 200 whose chunked body never ends. */
  | { kind: 'endless' }

export interface SeenRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: Buffer
  fault: Fault['kind']
  /** performance.now() when the request had arrived whole. */
  at: number
  /** Set when the connection closed (for 'endless': the client hung up, the proxy never ends it). */
  socketClosed: boolean
}

export interface FaultProxy {
  /** The receiver's URL with the proxy's origin. */
  readonly url: URL
  readonly requests: SeenRequest[]
  /** Destroys every socket, held or not, and stops every trickle and endless body. */
  close(): Promise<void>
}

/** Faults in order, then 'pass' for ever; or a function of the request's index (0-based). */
export type FaultPlan = readonly Fault[] | ((index: number) => Fault)

const SLOW_RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')
const GARBAGE = Buffer.from('\u0000\u0001\u0002 SSH-2.0-not-http \u00ff\u00fe\r\n\r\n', 'latin1')
const ENDLESS_CHUNK = Buffer.alloc(16 * 1024, 'x')

/** Starts a proxy on 127.0.0.1, port 0, in front of `upstream`. */
export async function startFaultProxy(upstream: URL, plan: FaultPlan): Promise<FaultProxy> {
  const requests: SeenRequest[] = []
  const trickles = new Set<NodeJS.Timeout>()
  const agent = new Agent({ keepAlive: false })
  const nextFault = (index: number): Fault => (typeof plan === 'function' ? plan(index) : plan[index] ?? { kind: 'pass' })

  const forward = (seen: SeenRequest, res: ServerResponse): void => {
    const { host: _host, connection: _connection, ...headers } = seen.headers
    const out = request(new URL(seen.path, upstream), { method: seen.method, headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    out.on('error', () => res.socket?.destroy())
    out.end(seen.body)
  }

  const trickle = (socket: Socket, byteIntervalMs: number): void => {
    let sent = 0
    const timer = setInterval(() => {
      socket.write(SLOW_RESPONSE.subarray(sent, sent + 1))
      if (++sent === SLOW_RESPONSE.length) stop()
    }, byteIntervalMs)
    const stop = (): void => {
      clearInterval(timer)
      trickles.delete(timer)
    }
    trickles.add(timer)
    socket.once('close', stop)
  }

  const endless = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const more = (): void => {
      while (!res.destroyed && res.write(ENDLESS_CHUNK));
    }
    res.on('drain', more)
    more()
  }

  const answer = (seen: SeenRequest, fault: Fault, socket: Socket, res: ServerResponse): void => {
    switch (fault.kind) {
      case 'pass': return forward(seen, res)
      case 'status': return void res.writeHead(fault.status, fault.headers).end(fault.body)
      case 'never': return
      case 'reset': return void socket.resetAndDestroy()
      case 'hangup': return void socket.end()
      case 'slow': return trickle(socket, fault.byteIntervalMs)
      case 'garbage': return void socket.end(GARBAGE)
      case 'endless': return endless(res)
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket
    // Writes to a socket the client has reset fail; that is the point of several faults.
    socket.on('error', () => undefined)
    res.on('error', () => undefined)
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const fault = nextFault(requests.length)
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
        fault: fault.kind,
        at: performance.now(),
        socketClosed: socket.destroyed,
      }
      requests.push(seen)
      socket.once('close', () => { seen.socketClosed = true })
      answer(seen, fault, socket, res)
    })
  })
  const origin = await listenLocal(server)
  const url = new URL(`${upstream.pathname}${upstream.search}`, origin)
  return {
    url,
    requests,
    close: async () => {
      for (const timer of trickles) clearInterval(timer)
      trickles.clear()
      agent.destroy()
      await closeServer(server)
    },
  }
}
