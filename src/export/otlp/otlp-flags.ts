// The flags field of spans and log records. Its low 8 bits are the W3C trace flags: ringtrace
// exports only recorded spans, so "sampled" is set for every span and every record that carries a
// trace id. Bits 8-9 of a span's flags (whether its parent is remote) stay 0, "unknown": a span
// does not record whether its parent came from a propagated context.

/** W3C trace flags: sampled. */
export const FLAGS_SAMPLED = 0x01
