// The error `ringtrace recover` and recoverRingDir() throw: what is wrong, and the file (and the
// offset in it) where it was found, so that a user can look at the bytes.

export type RecoverErrorCode =
  /** The path is not a directory, or holds no ring files. */
  | 'NOT_A_RING_DIR'
  /** A ring or metadata file that is not one, is cut short, or contradicts itself. */
  | 'BAD_RING_FILE'
  /** A ring file of another format version. */
  | 'RING_VERSION'
  /** The process that owns the rings is still running (its rings are not closed). */
  | 'PROCESS_ALIVE'
  /** The directory holds the rings of several processes and no run was chosen. */
  | 'SEVERAL_RUNS'
  /** The run asked for is not in the directory. */
  | 'UNKNOWN_RUN'

export class RecoverError extends Error {
  override readonly name = 'RecoverError'

  constructor(
    readonly code: RecoverErrorCode,
    message: string,
    /** The file the problem is in, when it is in one. */
    readonly file?: string,
    /** Byte offset of the problem in `file`, when known. */
    readonly offset?: number,
  ) {
    super(`ringtrace recover: ${message}${file === undefined ? '' : ` (${file}${offset === undefined ? '' : ` at offset ${offset}`})`}`)
  }
}
