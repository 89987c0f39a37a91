// `ringtrace/store`: the event store, a subpath of its own so that an app that only traces never
// loads it (nor node:sqlite).

export { openStore, Store } from './store.js'
export type { StoreStats } from './store.js'
export type { IngestResult } from './ingest-file.js'
export { EventQuery } from './event-query.js'
export type { StoredEvent } from './event-query.js'
export { SpanQuery } from './span-query.js'
export type { StoredSpan } from './span-query.js'
export type { CompareOp, TimeRange } from './conditions.js'
export type { AggregateFn, AggregateSpec } from './aggregate.js'
