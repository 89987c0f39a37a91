// The part of @elastic/mockotlpserver (an OTLP receiver for tests, untyped) the tests use.

declare module '@elastic/mockotlpserver' {
  export interface MockOtlpServerOptions {
    logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
    services?: ('http' | 'grpc' | 'ui')[]
    httpHostname?: string
    httpPort?: number
    /** Called with each ExportTraceServiceRequest received, as its parser decoded it. */
    onTrace?: (request: unknown) => void
    onLogs?: (request: unknown) => void
  }

  export class MockOtlpServer {
    constructor(options?: MockOtlpServerOptions)
    /** Set by start(). */
    httpUrl: URL | null
    start(): Promise<void>
    close(): Promise<void>
  }

  /** A received request in one form whatever the encoding: attributes as an object, ids in hex. */
  export function normalizeTrace(request: unknown): unknown
  export function normalizeLogs(request: unknown): unknown
}
