// Mistakes in how the analysis is called (bad options, a collector used after finish()). Bad
// trace data is never an error here: it is reported in SpanProblems.

export type AnalysisErrorCode = 'INVALID_OPTION' | 'COLLECTOR_FINISHED'

export class AnalysisError extends Error {
  override readonly name = 'AnalysisError'

  constructor(readonly code: AnalysisErrorCode, message: string) {
    super(message)
  }
}
