/** Errors of the SPSP layer (RFC 9, RFC 26): classes with a stable `code` and a `cause` (STYLE.md habit 6). */
export type SpspErrorCode =
  /** The text is neither a valid payment pointer (RFC 26 syntax) nor an acceptable URL. */
  | 'SPSP_INVALID_POINTER'
  /** Plain http to a host that is not loopback, without `allowHttp` (RFC 9: "MUST be exchanged over HTTPS"). */
  | 'SPSP_INSECURE_URL'
  /** Network failure, timeout or abort while querying the endpoint. */
  | 'SPSP_QUERY_FAILED'
  /** The endpoint answered 404 (RFC 9 `InvalidReceiverError`). */
  | 'SPSP_RECEIVER_NOT_FOUND'
  /** Any other non-2xx status, or too many redirects. */
  | 'SPSP_HTTP_STATUS'
  /** The body is not a valid SPSP response: bad JSON, content type, address or shared secret. */
  | 'SPSP_INVALID_RESPONSE'

export class SpspError extends Error {
  override readonly name = 'SpspError'
  readonly code: SpspErrorCode
  /** The HTTP status when the endpoint answered one. */
  readonly status?: number

  constructor(code: SpspErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options)
    this.code = code
    if (options?.status !== undefined) this.status = options.status
  }
}

export function isSpspError(err: unknown): err is SpspError {
  return err instanceof SpspError
}
