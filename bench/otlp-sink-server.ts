// The export scenario's OTLP receiver, run as a child process so that its work never lands on the
// thread whose event loop is measured. It reads every body, answers 200 with an empty
// ExportServiceResponse (valid protobuf) and counts requests and bytes per path. Parent protocol
// (IPC): it sends { port } once listening; a 'counts' message is answered with the counts;
// disconnecting closes it.

import { createServer } from 'node:http'

/** What the sink received on one path. */
export interface PathCounts {
  requests: number
  bytes: number
}

export interface SinkCounts {
  /** Per URL path (/v1/traces, /v1/logs, ...). */
  paths: Record<string, PathCounts>
}

export type SinkMessage = { type: 'listening'; port: number } | { type: 'counts'; counts: SinkCounts }

function send(message: SinkMessage): void {
  process.send?.(message)
}

function main(): void {
  const counts: SinkCounts = { paths: {} }
  const server = createServer((request, response) => {
    const path = request.url ?? '/'
    const entry = (counts.paths[path] ??= { requests: 0, bytes: 0 })
    request.on('data', (chunk: Buffer) => { entry.bytes += chunk.length })
    request.on('end', () => {
      entry.requests++
      response.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 })
      response.end()
    })
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('otlp sink: no TCP address')
    send({ type: 'listening', port: address.port })
  })
  process.on('message', (message) => {
    if (message === 'counts') send({ type: 'counts', counts })
  })
  // The parent went away (or disconnected on purpose): nothing is left to serve.
  process.on('disconnect', () => {
    server.closeAllConnections()
    server.close()
  })
}

main()
