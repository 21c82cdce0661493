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
  /** HTTP/1.1 with one Host, no Transfer-Encoding / Expect / Upgrade / Callback-Url, Connection absent or keep-alive, well formed. */
  plain: boolean
}

/** tchar (RFC 9110 §5.6.2): the bytes a field name is made of. */
const TCHAR = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1

/**
 * A control character other than tab, CR and LF: none may appear in a head (RFC 9110 §5.5, field values and
 * reason phrases are visible characters, obs-text, space and tab). Binary bytes are the usual sign of a
 * misframed message. One regular expression over the whole head (native, no loop per character); CR and LF are
 * checked per line: only as the CRLF that ends it.
 */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/

/** The line that starts at `at` and ends at `lineEnd` (its CRLF) has no other CR or LF. */
const cleanLine = (text: string, at: number, lineEnd: number): boolean => text.indexOf('\r', at) === lineEnd && text.indexOf('\n', at) === lineEnd + 1

/** `text[from, to)` is a non-empty token. */
function isToken(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c >= 128 || TCHAR[c] === 0) return false
  }
  return to > from
}

/**
 * Whether `text[at, at + name.length)` is `name` (lower case) in any case (RFC 9110 §5.1: field names are
 * case-insensitive). Compares char codes: no lower-cased copy per field, as this runs for every message.
 */
function isName(text: string, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = text.charCodeAt(at + i)
    const n = name.charCodeAt(i)
    if (c !== n && !(n >= 97 && n <= 122 && c === n - 32)) return false
  }
  return true
}

/**
 * Parses the head in `buf[start, end)` (end = after the blank line). Fields that send a request to node:http
 * (async mode, bodies we do not frame, protocol switches) make it not plain: Transfer-Encoding, Expect, Upgrade,
 * Callback-Url, Request-Id, Prefer, and Connection other than keep-alive.
 */
export function parseRequestHead(buf: Buffer, start: number, end: number): RequestHead {
  const text = buf.toString('latin1', start, end - 2) // every line, the last one with its CRLF
  let lineEnd = text.indexOf('\r\n')
  // request-line = method SP request-target SP HTTP-version (RFC 9112 §3), exactly two spaces.
  const methodEnd = text.indexOf(' ')
  const targetEnd = methodEnd < 0 ? -1 : text.indexOf(' ', methodEnd + 1)
  const wellFormed = methodEnd > 0 && targetEnd > methodEnd + 1 && targetEnd < lineEnd
  const head: RequestHead = {
    method: wellFormed ? text.slice(0, methodEnd) : '',
    target: wellFormed ? text.slice(methodEnd + 1, targetEnd) : '',
    contentLength: -1,
    authorization: '',
    contentType: '',
    plain: wellFormed && lineEnd === targetEnd + 9 && text.startsWith('HTTP/1.1', targetEnd + 1) && !CONTROL.test(text) && cleanLine(text, 0, lineEnd),
  }
  let hosts = 0
  for (let at = lineEnd + 2; at < text.length; at = lineEnd + 2) {
    lineEnd = text.indexOf('\r\n', at)
    const colon = text.indexOf(':', at)
    // Lines without a colon, obs-fold (a line starting with whitespace), whitespace before the colon and any other
    // byte that cannot be in a field name are not ours to interpret: node:http answers them (400), so a request
    // is accepted or refused alike whichever path reads it.
    if (colon <= at || colon > lineEnd || !isToken(text, at, colon) || !cleanLine(text, at, lineEnd)) {
      head.plain = false
      continue
    }
    switch (colon - at) {
      case 14:
        if (isName(text, at, 'content-length')) head.contentLength = mergeLength(head.contentLength, fieldValue(text, colon + 1, lineEnd))
        break
      case 13:
        if (isName(text, at, 'authorization')) head.authorization = fieldValue(text, colon + 1, lineEnd)
        break
      case 12:
        if (isName(text, at, 'content-type')) head.contentType = fieldValue(text, colon + 1, lineEnd)
        else if (isName(text, at, 'callback-url')) head.plain = false
        break
      case 10:
        if (isName(text, at, 'connection')) {
          if (!isKeepAlive(text, colon + 1, lineEnd)) head.plain = false
        } else if (isName(text, at, 'request-id')) head.plain = false
        break
      case 17:
        if (isName(text, at, 'transfer-encoding')) head.plain = false
        break
      case 6:
        if (isName(text, at, 'expect') || isName(text, at, 'prefer')) head.plain = false
        break
      case 4:
        if (isName(text, at, 'host')) hosts++
        break
      case 7:
        if (isName(text, at, 'upgrade')) head.plain = false
        break
    }
  }
  // RFC 9112 §3.2: an HTTP/1.1 request without a Host field, or with more than one, is answered 400 (node:http's).
  if (hosts !== 1) head.plain = false
  return head
}

/** A Connection value that is exactly `keep-alive`, in any case, with optional whitespace around it. */
function isKeepAlive(text: string, from: number, to: number): boolean {
  const value = fieldValue(text, from, to)
  return value.length === 10 && isName(value, 0, 'keep-alive')
}

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
  // status-line = HTTP-version SP 3DIGIT SP [ reason-phrase ] (RFC 9112 §4)
  const http11 = text.startsWith('HTTP/1.1 ')
  const http10 = !http11 && text.startsWith('HTTP/1.0 ')
  const status = threeDigits(text, 9)
  const head: ResponseHead = {
    status,
    contentLength: -1,
    chunked: false,
    close: http10,
    valid:
      (http11 || http10) &&
      status >= 100 &&
      (lineEnd === 12 || (lineEnd > 12 && text.charCodeAt(12) === 32)) &&
      !CONTROL.test(text) &&
      cleanLine(text, 0, lineEnd),
  }
  // Every field line must be a token, a colon and field text: a response head that is not exactly that is not read
  // as one (a body cut short or too long makes the next head begin inside binary bytes; read leniently, such a
  // head could reach into the following response and hand its body to the wrong request).
  for (let at = lineEnd + 2; at < text.length; at = lineEnd + 2) {
    lineEnd = text.indexOf('\r\n', at)
    const colon = text.indexOf(':', at)
    if (colon <= at || colon > lineEnd || !isToken(text, at, colon) || !cleanLine(text, at, lineEnd)) {
      head.valid = false
      continue
    }
    const length = colon - at
    if (length === 14 && isName(text, at, 'content-length')) {
      head.contentLength = mergeLength(head.contentLength, fieldValue(text, colon + 1, lineEnd))
      if (head.contentLength === -2) head.valid = false
    } else if (length === 17 && isName(text, at, 'transfer-encoding')) {
      // Only "chunked" alone is read; other codings would need decoding we do not do.
      if (fieldValue(text, colon + 1, lineEnd).toLowerCase() === 'chunked') head.chunked = true
      else head.valid = false
    } else if (length === 10 && isName(text, at, 'connection')) {
      const options = fieldValue(text, colon + 1, lineEnd).toLowerCase().split(',').map((v) => v.trim())
      if (options.includes('close')) head.close = true
      else if (options.includes('keep-alive')) head.close = false
    }
  }
  return head
}

/** The status code at `at`: three digits, 100 to 999 (-1 otherwise). */
function threeDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48
  const b = text.charCodeAt(at + 1) - 48
  const c = text.charCodeAt(at + 2) - 48
  if (!(a >= 1 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9)) return -1
  return a * 100 + b * 10 + c
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
