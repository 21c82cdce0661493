/** The error thrown by the money helpers. `code` is stable; callers switch on it (config loading reports it). */
export type MoneyErrorCode =
  | 'MONEY_NOT_U64'
  | 'MONEY_NEGATIVE'
  | 'MONEY_INVALID_DECIMAL'
  | 'MONEY_NOT_INTEGER'
  | 'MONEY_DIVIDE_BY_ZERO'

export class MoneyError extends Error {
  override readonly name = 'MoneyError'
  readonly code: MoneyErrorCode

  constructor(code: MoneyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
