// A tracer's ring memory, for tests that read or set control-block words directly (the coarse
// clock, the sampling state, the ETW session words). The ring is private to the tracer; tests
// reach it by name so that the public type does not have to expose it.

import type { RingViews } from '../../src/ring/ring-views.js'
import type { Tracer } from '../../src/tracer.js'

export function ringViewsOf(tracer: Tracer): RingViews {
  return (tracer as unknown as { ring: { views: RingViews } }).ring.views
}
