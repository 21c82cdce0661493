/**
 * The small part of HTTP/1.1 (RFC 9112) that ILP over HTTP needs on its fast paths: message heads with
 * Content-Length bodies, read from a byte stream that may carry many pipelined messages or cut one anywhere.
 * Anything outside that common case is reported as such, never guessed at: the server hands the connection to
 * node:http, the client fails the connection.
 */

/** Largest message head (start line + fields), as node:http's default `maxHeaderSize`. */
export const HTTP_HEAD_MAX_BYTES = 16 * 1024

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1')

/** Where the head that starts at `from` ends (index after its blank line), or -1 if `buf` holds only part of it. */
export function headEnd(buf: Buffer, from: number, scanFrom: number, end: number): number {
  const at = buf.indexOf(HEAD_END, Math.max(from, scanFrom - 3))
  return at < 0 || at + 4 > end ? -1 : at + 4
}

/** A request head as the server's fast path needs it. `plain` is false for anything it must not handle itself. */
export interface RequestHead {
  method: string
  target: string
  /** -1: absent; -2: invalid or repeated with different values (RFC 9112 §6.3: unrecoverable). */
  contentLength: number
  authorization: string
  contentType: string
  /** HTTP/1.1, no Transfer-Encoding / Expect / Upgrade / Callback-Url, Connection absent or keep-alive, well formed. */
  plain: boolean
}

/** Fields whose presence sends a request to node:http (async mode, bodies we do not frame, protocol switches). */
const NOT_PLAIN = new Set(['transfer-encoding', 'expect', 'upgrade', 'callback-url', 'request-id', 'prefer'])

/**
 * Parses the head in `buf[start, end)` (end = after the blank line). Field names are case-insensitive
 * (RFC 9110 §5.1); only names as long as one we read are lower-cased (this runs for every request).
 */
export function parseRequestHead(buf: Buffer, start: number, end: number): RequestHead {
  const text = buf.toString('latin1', start, end - 2) // every line, the last one with its CRLF
  let lineEnd = text.indexOf('\r\n')
  const [method = '', target = '', version = '', extra] = text.slice(0, lineEnd).split(' ')
  const head: RequestHead = { method, target, contentLength: -1, authorization: '', contentType: '', plain: version === 'HTTP/1.1' && extra === undefined }
  for (let at = lineEnd + 2; at < text.length; at = lineEnd + 2) {
    lineEnd = text.indexOf('\r\n', at)
    const colon = text.indexOf(':', at)
    const first = text.charCodeAt(at)
    // obs-fold (a line starting with whitespace) and lines without a colon are not ours to interpret (§5.2).
    if (colon <= at || colon > lineEnd || first === 32 || first === 9 || text.charCodeAt(colon - 1) === 32) {
      head.plain = false
      continue
    }
    if (!FIELD_NAME_LENGTHS.has(colon - at)) continue
    const name = text.slice(at, colon).toLowerCase()
    if (name === 'content-length') head.contentLength = mergeLength(head.contentLength, fieldValue(text, colon + 1, lineEnd))
    else if (name === 'authorization') head.authorization = fieldValue(text, colon + 1, lineEnd)
    else if (name === 'content-type') head.contentType = fieldValue(text, colon + 1, lineEnd)
    else if (name === 'connection') {
      if (fieldValue(text, colon + 1, lineEnd).toLowerCase() !== 'keep-alive') head.plain = false
    } else if (NOT_PLAIN.has(name)) head.plain = false
  }
  return head
}

const FIELD_NAME_LENGTHS = new Set(['content-length', 'authorization', 'content-type', 'connection', ...NOT_PLAIN].map((n) => n.length))

/** A field value without the optional whitespace around it (§5.5). */
function fieldValue(text: string, from: number, to: number): string {
  while (from < to && (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9)) from++
  while (to > from && (text.charCodeAt(to - 1) === 32 || text.charCodeAt(to - 1) === 9)) to--
  return text.slice(from, to)
}

/** Content-Length is 1*DIGIT (RFC 9110 §8.6); a repeat with the same value is tolerated, a different one is not. */
function mergeLength(previous: number, value: string): number {
  let length = value.length === 0 || value.length > 15 ? -2 : 0
  for (let i = 0; i < value.length && length >= 0; i++) {
    const digit = value.charCodeAt(i) - 48
    length = digit >= 0 && digit <= 9 ? length * 10 + digit : -2
  }
  if (previous === -1) return length
  return previous === length ? length : -2
}

/** A response head as the client needs it. */
export interface ResponseHead {
  status: number
  /** -1: absent (body until close, or none for 1xx/204/304). */
  contentLength: number
  chunked: boolean
  /** The server closes after this response (Connection: close, or HTTP/1.0 without keep-alive). */
  close: boolean
  /** False when the head is malformed or frames its body in a way we cannot read. */
  valid: boolean
}

export function parseResponseHead(buf: Buffer, start: number, end: number): ResponseHead {
  const text = buf.toString('latin1', start, end - 2) // every line, the last one with its CRLF
  let lineEnd = text.indexOf('\r\n')
  const version = text.slice(0, 9)
  const status = Number(text.slice(9, 12))
  const head: ResponseHead = {
    status,
    contentLength: -1,
    chunked: false,
    close: version === 'HTTP/1.0 ',
    valid: (version === 'HTTP/1.1 ' || version === 'HTTP/1.0 ') && Number.isInteger(status) && status >= 100 && status <= 999,
  }
  for (let at = lineEnd + 2; at < text.length; at = lineEnd + 2) {
    lineEnd = text.indexOf('\r\n', at)
    const colon = text.indexOf(':', at)
    if (colon <= at || colon > lineEnd) {
      head.valid = false
      continue
    }
    const length = colon - at
    if (length !== 14 && length !== 17 && length !== 10) continue // content-length, transfer-encoding, connection
    const name = text.slice(at, colon).toLowerCase()
    if (name === 'content-length') {
      head.contentLength = mergeLength(head.contentLength, fieldValue(text, colon + 1, lineEnd))
      if (head.contentLength === -2) head.valid = false
    } else if (name === 'transfer-encoding') {
      // Only "chunked" alone is read; other codings would need decoding we do not do.
      if (fieldValue(text, colon + 1, lineEnd).toLowerCase() === 'chunked') head.chunked = true
      else head.valid = false
    } else if (name === 'connection') {
      const options = fieldValue(text, colon + 1, lineEnd).toLowerCase().split(',').map((v) => v.trim())
      if (options.includes('close')) head.close = true
      else if (options.includes('keep-alive')) head.close = false
    }
  }
  return head
}

/** RFC 9112 §6.3: 1xx, 204 and 304 responses have no body whatever their fields say. */
export const hasNoBody = (status: number): boolean => status < 200 || status === 204 || status === 304

/** Status reasons for the statuses our server writes itself (the reason phrase is informational, §4). */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** Decodes a chunked body (RFC 9112 §7.1) that starts at `from`; trailers are read and ignored. */
export function dechunk(buf: Buffer, from: number, maxBytes: number): { body: Buffer; end: number } | 'incomplete' | 'too large' | 'malformed' {
  const parts: Buffer[] = []
  let size = 0
  let at = from
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at, 'latin1')
    if (lineEnd < 0) return buf.length - at > 1024 ? 'malformed' : 'incomplete'
    const sizeText = buf.toString('latin1', at, lineEnd).split(';')[0]!.trim()
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return 'malformed'
    const chunkSize = parseInt(sizeText, 16)
    at = lineEnd + 2
    if (chunkSize === 0) {
      // Trailer fields, then the blank line.
      for (;;) {
        const end = buf.indexOf('\r\n', at, 'latin1')
        if (end < 0) return buf.length - at > HTTP_HEAD_MAX_BYTES ? 'malformed' : 'incomplete'
        if (end === at) return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts), end: end + 2 }
        at = end + 2
      }
    }
    size += chunkSize
    if (size > maxBytes) return 'too large'
    if (at + chunkSize + 2 > buf.length) return 'incomplete'
    if (buf[at + chunkSize] !== 13 || buf[at + chunkSize + 1] !== 10) return 'malformed'
    parts.push(buf.subarray(at, at + chunkSize))
    at += chunkSize + 2
  }
}
