/**
 * SPSP server (RFC 9): answers `GET /.well-known/pay` (a configured default account) and `GET /<account>` with
 * `{ destination_account, shared_secret }`. Framework-free: `createSpspResponder` maps a request to a response,
 * so the node's HTTP listener, a fastify plugin (fastify.ts) and tests all share it.
 *
 * Decisions:
 * - Cache-Control: each answer carries a fresh secret meant for one client (RFC 9 "should be different in each
 *   query response"), so by default it is `no-cache, no-store` (RFC 9 clients read no-cache; HTTP caches obey
 *   no-store). With `cacheMaxAgeSeconds` it is `private, max-age=N`: the same client may reuse it, no shared cache.
 * - CORS on every answer (RFC 9 via protocol-notes §7), and OPTIONS preflights answered 204.
 * - A query string is refused 400 (RFC 9: "Servers that receive query string parameters ... MUST reject").
 * - Accept must admit an SPSP type (or a wildcard); otherwise 406. @interledger/pay sends
 *   `application/ilp-stream+json, application/spsp4+json`, browsers `*\/*`.
 */
import { isValidIlpAddress } from '../ilp/address.js'
import { isSpspError } from './errors.js'
import { WELL_KNOWN_PAY_PATH } from './pointer.js'
import { RECEIPT_NONCE_LENGTH, RECEIPT_SECRET_LENGTH, SHARED_SECRET_LENGTH, decodeBase64Exact, encodeBase64 } from './secret.js'

export const SPSP_CONTENT_TYPE = 'application/spsp4+json'
/** Account ids in a path segment: a bound on length; the generator decides whether the id exists. */
export const SPSP_ACCOUNT_ID_MAX_LENGTH = 256

export interface SpspCredentials {
  readonly destinationAccount: string
  readonly sharedSecret: Uint8Array
  /** True when receipts were requested and the receiver will attach them (RFC 39). */
  readonly receiptsEnabled?: boolean
}

export interface ReceiptRequest {
  readonly nonce: Uint8Array
  readonly secret: Uint8Array
}

/** Fresh STREAM credentials for a local account; undefined when the account is unknown (→ 404). */
export type GenerateCredentials = (
  accountId: string,
  options: { readonly receipt?: ReceiptRequest },
) => SpspCredentials | undefined | Promise<SpspCredentials | undefined>

export interface SpspServerOptions {
  readonly generateCredentials: GenerateCredentials
  /** The account answered at `/.well-known/pay`; without it that path is a 404. */
  readonly defaultAccount?: string
  /** Let the client cache an answer this long (`private, max-age=N`); default: no caching. */
  readonly cacheMaxAgeSeconds?: number
}

export interface SpspHttpRequest {
  readonly method: string
  /** The request target: path and optional query, e.g. `/alice` or `/alice?x=1`. */
  readonly url: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

export interface SpspHttpResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** JSON text; empty for 204 and HEAD. */
  readonly body: string
}

/** Maps a request to its SPSP response; undefined when the path is not an SPSP endpoint (let others route it). */
export type SpspResponder = (request: SpspHttpRequest) => Promise<SpspHttpResponse | undefined>

export const SPSP_CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'web-monetization-id',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
}

export function createSpspResponder(options: SpspServerOptions): SpspResponder {
  const cacheControl =
    options.cacheMaxAgeSeconds !== undefined && options.cacheMaxAgeSeconds > 0
      ? `private, max-age=${Math.floor(options.cacheMaxAgeSeconds)}`
      : 'no-cache, no-store'
  return async (request) => {
    const queryAt = request.url.indexOf('?')
    const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt)
    const accountId = accountIdOf(path, options.defaultAccount)
    if (accountId === null) return undefined
    const method = request.method.toUpperCase()
    if (method === 'OPTIONS') return { status: 204, headers: { ...SPSP_CORS_HEADERS, 'access-control-max-age': '600' }, body: '' }
    if (method !== 'GET' && method !== 'HEAD') return problem(405, 'MethodNotAllowedError', 'SPSP endpoints answer GET', { allow: 'GET, HEAD, OPTIONS' })
    if (queryAt !== -1) return problem(400, 'InvalidRequestError', 'SPSP requests must not carry a query string (RFC 9)')
    if (!acceptsSpsp(headerOf(request.headers, 'accept'))) return problem(406, 'NotAcceptableError', `this endpoint serves ${SPSP_CONTENT_TYPE}`)
    if (accountId === undefined) return problem(404, 'InvalidReceiverError', 'Invalid receiver ID')
    const receipt = receiptRequestOf(request.headers)
    if (receipt === 'invalid') return problem(400, 'InvalidRequestError', 'Receipt-Nonce must be 16 and Receipt-Secret 32 bytes of base64, both or neither')
    const credentials = await options.generateCredentials(accountId, receipt ? { receipt } : {})
    if (credentials === undefined) return problem(404, 'InvalidReceiverError', 'Invalid receiver ID')
    const body = method === 'HEAD' ? '' : JSON.stringify(spspBody(credentials, receipt !== undefined))
    return { status: 200, headers: { ...SPSP_CORS_HEADERS, 'content-type': SPSP_CONTENT_TYPE, 'cache-control': cacheControl }, body }
  }
}

/** The RFC 9 body. A generator handing out a bad address or secret is a bug: crash loudly (STYLE.md habit 9). */
export function spspBody(credentials: SpspCredentials, receiptsRequested: boolean): Record<string, unknown> {
  if (!isValidIlpAddress(credentials.destinationAccount)) throw new Error(`SPSP credentials carry an invalid ILP address: ${credentials.destinationAccount}`)
  if (credentials.sharedSecret.byteLength !== SHARED_SECRET_LENGTH) throw new Error('SPSP credentials carry a shared secret that is not 32 bytes')
  const body: Record<string, unknown> = {
    destination_account: credentials.destinationAccount,
    shared_secret: encodeBase64(credentials.sharedSecret),
  }
  if (receiptsRequested) body.receipts_enabled = credentials.receiptsEnabled === true
  return body
}

/**
 * The account a path names: the default account for `/.well-known/pay` (undefined when there is none), the
 * decoded single segment of `/<id>`, or null when the path is not an SPSP endpoint at all.
 */
function accountIdOf(path: string, defaultAccount: string | undefined): string | undefined | null {
  if (path === WELL_KNOWN_PAY_PATH) return defaultAccount
  const m = /^\/([^/]+)\/?$/.exec(path)
  if (!m || m[1]!.length > SPSP_ACCOUNT_ID_MAX_LENGTH) return null
  try {
    return decodeURIComponent(m[1]!)
  } catch {
    return null
  }
}

/** True when the Accept header admits an SPSP answer (absent Accept admits anything, RFC 9110 §12.5.1). */
export function acceptsSpsp(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true
  return accept.split(',').some((item) => {
    const [type = '', ...params] = item.split(';').map((s) => s.trim().toLowerCase())
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) return false
    return type === SPSP_CONTENT_TYPE || type === 'application/spsp+json' || type === 'application/*' || type === '*/*'
  })
}

function receiptRequestOf(headers: SpspHttpRequest['headers']): ReceiptRequest | undefined | 'invalid' {
  const nonce = headerOf(headers, 'receipt-nonce')
  const secret = headerOf(headers, 'receipt-secret')
  if (nonce === undefined && secret === undefined) return undefined
  if (nonce === undefined || secret === undefined) return 'invalid'
  try {
    return { nonce: decodeBase64Exact(nonce, RECEIPT_NONCE_LENGTH, 'Receipt-Nonce'), secret: decodeBase64Exact(secret, RECEIPT_SECRET_LENGTH, 'Receipt-Secret') }
  } catch (err) {
    if (isSpspError(err)) return 'invalid'
    throw err
  }
}

function problem(status: number, id: string, message: string, extra: Record<string, string> = {}): SpspHttpResponse {
  return { status, headers: { ...SPSP_CORS_HEADERS, 'content-type': SPSP_CONTENT_TYPE, 'cache-control': 'no-store', ...extra }, body: JSON.stringify({ id, message }) }
}

function headerOf(headers: SpspHttpRequest['headers'], name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}
