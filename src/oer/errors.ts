/**
 * The one error every decoder throws on invalid input. `code` is stable and machine-readable;
 * callers switch on it (a connector maps codec errors on an incoming Prepare to F01).
 */
export type CodecErrorCode =
  // OER primitives (RFC 30)
  | 'OER_TRUNCATED'
  | 'OER_INVALID_LENGTH'
  | 'OER_NON_CANONICAL_LENGTH'
  | 'OER_NON_CANONICAL_VARUINT'
  | 'OER_VARUINT_TOO_LARGE'
  | 'OER_INVALID_STRING'
  | 'OER_VALUE_OUT_OF_RANGE'
  // ILP (RFC 27, 15, 30)
  | 'ILP_UNKNOWN_TYPE'
  | 'ILP_INVALID_TIMESTAMP'
  | 'ILP_INVALID_ADDRESS'
  | 'ILP_INVALID_CODE'
  | 'ILP_DATA_TOO_LONG'
  | 'ILP_INVALID_FIELD'
  | 'ILDCP_INVALID'
  // BTP (RFC 23)
  | 'BTP_UNKNOWN_TYPE'
  | 'BTP_INVALID_TIME'
  | 'BTP_INVALID_FIELD'
  // CCP
  | 'CCP_INVALID'
  // STREAM (RFC 29)
  | 'STREAM_UNSUPPORTED_VERSION'
  | 'STREAM_INVALID_PACKET'
  | 'STREAM_INVALID_FRAME'
  | 'STREAM_DECRYPT_FAILED'

export class CodecError extends Error {
  override readonly name = 'CodecError'
  readonly code: CodecErrorCode

  constructor(code: CodecErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export function isCodecError(err: unknown): err is CodecError {
  return err instanceof CodecError
}
