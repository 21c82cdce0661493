/**
 * Errors outside the packet path (the packet path gets ReserveResult values instead).
 * LEDGER_HOLD_* and LEDGER_INVARIANT are programmer errors: crash, don't reject (STYLE.md habit 9).
 */
export type LedgerErrorCode =
  /** A hold was released or committed twice, or was never issued by this ledger. */
  | 'LEDGER_HOLD_CONSUMED'
  /** commit() with no holds or the same hold twice. */
  | 'LEDGER_INVALID_COMMIT'
  /** An amount that is not a u64, or a delta that is not a bigint. */
  | 'LEDGER_INVALID_AMOUNT'
  /** An internal sum went wrong (pending below zero, durable + queued ≠ cached). A bug. */
  | 'LEDGER_INVARIANT'
  /** The ledger was closed. */
  | 'LEDGER_CLOSED'
  /** A durable write failed; the ledger refuses all further work (restart the node). */
  | 'LEDGER_WRITE_FAILED'
  /** The database file is not a ledger of a version we know. */
  | 'LEDGER_SCHEMA'
  /** An account config failed validation (id pattern, field types). */
  | 'ACCOUNT_INVALID'

export class LedgerError extends Error {
  override readonly name = 'LedgerError'
  readonly code: LedgerErrorCode

  constructor(code: LedgerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export function isLedgerError(err: unknown): err is LedgerError {
  return err instanceof LedgerError
}

/** Throws LEDGER_INVARIANT when `condition` is false. */
export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new LedgerError('LEDGER_INVARIANT', message)
}
