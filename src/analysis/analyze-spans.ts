// The whole analysis in one call, over items in memory, from a generator, or from readTrace.

import { readTraceBatches } from '../reader/read-trace.js'
import { TraceFileError } from '../reader/trace-file-error.js'
import type { ReadTraceOptions } from '../reader/trace-items.js'
import { bottlenecks, type Bottleneck } from './bottlenecks.js'
import { concurrencyProfile, type ConcurrencyProfile } from './concurrency-profile.js'
import { criticalPaths, type CriticalPath } from './critical-path.js'
import { operationStats, type OperationStats } from './operation-stats.js'
import type { AnalysisItem } from './span-events.js'
import { SpanCollector } from './span-collector.js'
import type { SpanForest } from './span-forest.js'

export interface AnalysisOptions {
  /** Width of the concurrency series' buckets, ns; default a hundredth of the trace. */
  bucketNs?: number
  /** Smallest share of all self time that makes an operation a bottleneck; default 0.05. */
  bottleneckThreshold?: number
}

export interface TraceAnalysis extends SpanForest {
  /** By total time, largest first. */
  readonly operations: readonly OperationStats[]
  /** One per root, in the order of `roots`. */
  readonly criticalPaths: readonly CriticalPath[]
  /** By self time, largest first. */
  readonly bottlenecks: readonly Bottleneck[]
  readonly concurrency: ConcurrencyProfile
}

/** The analysis of a complete forest (SpanCollector#finish()). */
export function analyzeForest(forest: SpanForest, options: AnalysisOptions = {}): TraceAnalysis {
  const operations = operationStats(forest.spans)
  const paths = criticalPaths(forest.roots)
  return {
    ...forest,
    operations,
    criticalPaths: paths,
    bottlenecks: bottlenecks(operations, paths, options.bottleneckThreshold),
    concurrency: concurrencyProfile(forest.spans, forest.endNs, options.bucketNs),
  }
}

type ItemSource =
  | Iterable<AnalysisItem>
  | AsyncIterable<AnalysisItem>
  | AsyncIterable<readonly AnalysisItem[]>

/**
 * Analyses decoded items: readTrace(path), readTraceBatches(path) (arrays are taken as batches),
 * or objects built in memory. Bad span data is reported in `problems`, never thrown.
 */
export async function analyzeSpans(items: ItemSource, options: AnalysisOptions = {}): Promise<TraceAnalysis> {
  const collector = new SpanCollector()
  if (Symbol.iterator in items) {
    for (const item of items) collector.add(item)
  } else {
    for await (const item of items) {
      if (Array.isArray(item)) collector.addAll(item)
      else collector.add(item as AnalysisItem)
    }
  }
  return analyzeForest(collector.finish(), options)
}

export interface TraceFileAnalysis {
  readonly analysis: TraceAnalysis
  /** Set when the file is damaged: the analysis covers what precedes the damage. */
  readonly damage: TraceFileError | undefined
}

/** Reads and analyses a .rtrc file; a damaged one is analysed up to the damage. */
export async function analyzeTraceFile(path: string, options: AnalysisOptions & ReadTraceOptions = {}): Promise<TraceFileAnalysis> {
  const collector = new SpanCollector()
  let damage: TraceFileError | undefined
  try {
    for await (const batch of readTraceBatches(path, options)) collector.addAll(batch)
  } catch (error) {
    if (!(error instanceof TraceFileError)) throw error
    damage = error
  }
  return { analysis: analyzeForest(collector.finish(), options), damage }
}
