// The store's tables (docs/store.md, "Schema"). One row per trace file ingested (by content: a
// file moved or copied is the same trace), one per event with the columns queries filter on and
// the fields as JSON, one per span (its Start and Stop paired). Times are ns since the epoch.

export const SCHEMA_VERSION = 1

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  provider TEXT NOT NULL,
  pid INTEGER,
  hostname TEXT,
  bytes INTEGER NOT NULL,
  complete INTEGER NOT NULL DEFAULT 0,
  events INTEGER NOT NULL DEFAULT 0,
  spans INTEGER NOT NULL DEFAULT 0,
  lost INTEGER NOT NULL DEFAULT 0,
  first_ingest_ms INTEGER NOT NULL,
  last_ingest_ms INTEGER NOT NULL,
  damage TEXT
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files(id),
  stream INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  name TEXT NOT NULL,
  level INTEGER NOT NULL,
  keyword INTEGER NOT NULL,
  opcode INTEGER NOT NULL,
  thread TEXT NOT NULL,
  trace_id TEXT,
  span_id TEXT,
  correlation_id TEXT,
  message TEXT,
  fields TEXT NOT NULL,
  UNIQUE (file_id, stream, seq)
);
CREATE INDEX IF NOT EXISTS events_time ON events (time_ns);
CREATE INDEX IF NOT EXISTS events_name ON events (name, time_ns);
CREATE INDEX IF NOT EXISTS events_level ON events (level, time_ns);
CREATE INDEX IF NOT EXISTS events_keyword ON events (keyword);
CREATE INDEX IF NOT EXISTS events_thread ON events (file_id, stream, time_ns);
CREATE INDEX IF NOT EXISTS events_trace ON events (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_span ON events (span_id) WHERE span_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_correlation ON events (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS spans (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL REFERENCES files(id),
  span_id TEXT NOT NULL,
  parent_span_id TEXT,
  trace_id TEXT NOT NULL,
  name TEXT NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER,
  duration_ns INTEGER,
  status INTEGER NOT NULL,
  error_type TEXT,
  error_message TEXT,
  thread TEXT NOT NULL,
  attributes TEXT NOT NULL,
  UNIQUE (file_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_name ON spans (name, start_ns);
CREATE INDEX IF NOT EXISTS spans_trace ON spans (trace_id);
CREATE INDEX IF NOT EXISTS spans_start ON spans (start_ns);
`
