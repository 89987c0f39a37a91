// Starting and stopping HTTP servers on 127.0.0.1 for tests.

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Listens on 127.0.0.1, port 0; resolves with the server's base URL. */
export function listenLocal(server: Server): Promise<URL> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)))
  })
}

/** Closes the server and every connection it holds, idle or not. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** A URL on 127.0.0.1 whose port nothing listens on (it was just bound and released). */
export async function closedPortUrl(server: Server): Promise<URL> {
  const url = await listenLocal(server)
  await closeServer(server)
  return url
}
