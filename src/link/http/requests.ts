/**
 * The checks every ILP-over-HTTP request goes through, on the fast path and on node:http alike, so both answer
 * with the same status codes.
 */

/** Content types accepted for a packet body: RFC 35's, and the one ilp-plugin-http sends. */
export const ILP_CONTENT_TYPES = ['application/octet-stream', 'application/ilp+octet-stream'] as const

/** A request refused with an HTTP status. */
export class HttpFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

export const ACCOUNT_PATH = /^\/accounts\/([^/]+)\/ilp$/

export function bearerToken(header: string): string {
  return header.startsWith('Bearer ') ? header.slice(7) : header
}

export function checkContentType(header: string): void {
  if (header === ILP_CONTENT_TYPES[0] || header === ILP_CONTENT_TYPES[1]) return // the usual case, without parsing
  const type = header.split(';')[0]!.trim().toLowerCase()
  if (!(ILP_CONTENT_TYPES as readonly string[]).includes(type)) {
    throw new HttpFailure(415, `content type must be application/octet-stream, got ${JSON.stringify(type)}`)
  }
}

export function decodeOr400<T>(decode: (b: Uint8Array) => T, body: Uint8Array, what: string): T {
  try {
    return decode(body)
  } catch (err) {
    throw new HttpFailure(400, `body is not an ILP ${what}: ${(err as Error).message}`)
  }
}
