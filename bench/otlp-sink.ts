// The export scenario's side of its OTLP receiver (bench/otlp-sink-server.ts): starts it in a
// child process of the same Node binary, asks it for its counts, stops it.

import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { SinkCounts, SinkMessage } from './otlp-sink-server.js'

export interface Sink {
  /** Base URL (http://127.0.0.1:port): /v1/traces and /v1/logs go under it. */
  url: string
  /** What it has received so far. */
  counts(): Promise<SinkCounts>
  /** Ends the child process. */
  stop(): Promise<void>
}

function nextMessage(child: ChildProcess, type: SinkMessage['type']): Promise<SinkMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: SinkMessage) => {
      if (message.type !== type) return
      cleanup()
      resolve(message)
    }
    const onExit = (code: number | null) => {
      cleanup()
      reject(new Error(`otlp sink exited (code ${code}) before it sent '${type}'`))
    }
    const cleanup = () => {
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

/** Starts the receiver and resolves once it listens on 127.0.0.1. */
export async function startSink(): Promise<Sink> {
  const child = fork(join(__dirname, 'otlp-sink-server.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const listening = await nextMessage(child, 'listening')
  if (listening.type !== 'listening') throw new Error('otlp sink: unexpected first message')
  return {
    url: `http://127.0.0.1:${listening.port}`,
    async counts() {
      const reply = nextMessage(child, 'counts')
      child.send('counts')
      const message = await reply
      return message.type === 'counts' ? message.counts : { paths: {} }
    },
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.disconnect()
      return exited
    },
  }
}
