/**
 * SPSP client (RFC 9 "Query"): resolve a payment pointer or URL, GET it with the SPSP media types, validate the
 * answer. Redirects are followed (a bounded number, each target checked like the first) and both the first and
 * the final endpoint are returned, so a sender can show both hosts (RFC 26 "Receiver Endpoint Resolution").
 */
import { request, type Dispatcher } from 'undici'
import { isValidIlpAddress } from '../ilp/address.js'
import { SpspError } from './errors.js'
import { checkEndpointUrl, resolveSpspEndpoint, type ResolveOptions } from './pointer.js'
import { decodeSharedSecret, encodeBase64 } from './secret.js'

/** What we ask for: the current SPSP type first, the generic one RFC 26 cites second. */
export const SPSP_ACCEPT = 'application/spsp4+json, application/spsp+json'
export const SPSP_QUERY_TIMEOUT_MS = 10_000
/** Redirects followed before giving up (RFC 26 allows redirects without bounding them; we do). */
export const SPSP_MAX_REDIRECTS = 3
/** An SPSP answer is a few hundred bytes; anything past this bound is not one. */
export const SPSP_RESPONSE_MAX_BYTES = 64 * 1024

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const JSON_TYPES = new Set(['application/spsp4+json', 'application/spsp+json', 'application/json'])

export interface SpspQueryOptions extends ResolveOptions {
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
  readonly maxRedirects?: number
  /** Sent as Receipt-Nonce / Receipt-Secret (RFC 39), as a receipt verifier proxying the query would. */
  readonly receipt?: { readonly nonce: Uint8Array; readonly secret: Uint8Array }
  /** An undici dispatcher (connection pool) to use instead of the global one. */
  readonly dispatcher?: Dispatcher
}

export interface SpspResponse {
  /** `destination_account`: the STREAM destination. */
  readonly destinationAccount: string
  /** `shared_secret`, decoded: the STREAM secret. */
  readonly sharedSecret: Uint8Array
  readonly receiptsEnabled: boolean
  /** The endpoint the pointer resolved to. */
  readonly endpoint: URL
  /** The endpoint that answered (differs from `endpoint` after redirects). */
  readonly finalEndpoint: URL
  /** From `Cache-Control: max-age=N`; undefined for no-cache, no-store or no header. */
  readonly maxAgeSeconds?: number
}

/** Queries the SPSP endpoint of a payment pointer (`$host/path`) or raw URL and validates the answer. */
export async function querySpsp(pointerOrUrl: string, options: SpspQueryOptions = {}): Promise<SpspResponse> {
  const endpoint = resolveSpspEndpoint(pointerOrUrl, options)
  const timeout = AbortSignal.timeout(options.timeoutMs ?? SPSP_QUERY_TIMEOUT_MS)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  const maxRedirects = options.maxRedirects ?? SPSP_MAX_REDIRECTS
  let url = endpoint
  for (let redirects = 0; ; redirects++) {
    const response = await get(url, options, signal)
    const location = REDIRECT_STATUSES.has(response.statusCode) ? header(response.headers, 'location') : undefined
    if (location === undefined) return { ...(await parseAnswer(url, response)), endpoint, finalEndpoint: url }
    await response.body.dump()
    if (redirects >= maxRedirects) {
      throw new SpspError('SPSP_HTTP_STATUS', `more than ${maxRedirects} redirects from ${endpoint.href}`, { status: response.statusCode })
    }
    url = nextUrl(url, location, options)
  }
}

async function get(url: URL, options: SpspQueryOptions, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  const headers: Record<string, string> = { accept: SPSP_ACCEPT }
  if (options.receipt) {
    headers['receipt-nonce'] = encodeBase64(options.receipt.nonce)
    headers['receipt-secret'] = encodeBase64(options.receipt.secret)
  }
  try {
    return await request(url, { method: 'GET', headers, signal, ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}) })
  } catch (cause) {
    throw new SpspError('SPSP_QUERY_FAILED', `SPSP query to ${url.href} failed: ${(cause as Error).message}`, { cause })
  }
}

function nextUrl(from: URL, location: string, options: ResolveOptions): URL {
  let url: URL
  try {
    url = new URL(location, from)
  } catch (cause) {
    throw new SpspError('SPSP_INVALID_RESPONSE', `bad redirect Location "${location}" from ${from.href}`, { cause })
  }
  // A redirect must not downgrade the scheme nor smuggle a query: it is checked like the first URL.
  if (from.protocol === 'https:' && url.protocol === 'http:' && options.allowHttp !== true) {
    throw new SpspError('SPSP_INSECURE_URL', `refusing a redirect from https to ${url.href}`)
  }
  checkEndpointUrl(url, options)
  return url
}

async function parseAnswer(url: URL, response: Dispatcher.ResponseData): Promise<Omit<SpspResponse, 'endpoint' | 'finalEndpoint'>> {
  const status = response.statusCode
  if (status < 200 || status > 299) {
    const text = await readBounded(response).catch(() => '')
    const detail = errorMessage(text)
    if (status === 404) throw new SpspError('SPSP_RECEIVER_NOT_FOUND', `no receiver at ${url.href}${detail}`, { status })
    throw new SpspError('SPSP_HTTP_STATUS', `SPSP endpoint ${url.href} answered ${status}${detail}`, { status })
  }
  const type = (header(response.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (!JSON_TYPES.has(type)) {
    await response.body.dump()
    throw new SpspError('SPSP_INVALID_RESPONSE', `SPSP endpoint ${url.href} answered Content-Type "${type}", not application/spsp4+json`)
  }
  const body = parseSpspBody(await readBounded(response))
  const maxAgeSeconds = parseMaxAge(header(response.headers, 'cache-control'))
  return maxAgeSeconds === undefined ? body : { ...body, maxAgeSeconds }
}

/** Validates an SPSP JSON body (RFC 9 "Response Body"); unknown fields are ignored. */
export function parseSpspBody(text: string): { destinationAccount: string; sharedSecret: Uint8Array; receiptsEnabled: boolean } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new SpspError('SPSP_INVALID_RESPONSE', 'SPSP response is not JSON', { cause })
  }
  if (typeof json !== 'object' || json === null) throw new SpspError('SPSP_INVALID_RESPONSE', 'SPSP response is not a JSON object')
  const { destination_account: destination, shared_secret: secret, receipts_enabled: receipts } = json as Record<string, unknown>
  if (!isValidIlpAddress(destination)) throw new SpspError('SPSP_INVALID_RESPONSE', 'destination_account is not a valid ILP address')
  if (typeof secret !== 'string') throw new SpspError('SPSP_INVALID_RESPONSE', 'shared_secret is missing')
  return { destinationAccount: destination, sharedSecret: decodeSharedSecret(secret), receiptsEnabled: receipts === true }
}

/** `max-age=<positive int>` (RFC 9 "Response Headers"); no-cache / no-store win over it. */
export function parseMaxAge(cacheControl: string | undefined): number | undefined {
  if (cacheControl === undefined) return undefined
  const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim())
  if (directives.includes('no-cache') || directives.includes('no-store')) return undefined
  for (const d of directives) {
    const m = /^max-age=(\d{1,9})$/.exec(d)
    if (m && Number(m[1]) > 0) return Number(m[1])
  }
  return undefined
}

async function readBounded(response: Dispatcher.ResponseData): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of response.body) {
    size += (chunk as Buffer).byteLength
    if (size > SPSP_RESPONSE_MAX_BYTES) {
      response.body.destroy()
      throw new SpspError('SPSP_INVALID_RESPONSE', `SPSP response larger than ${SPSP_RESPONSE_MAX_BYTES} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function errorMessage(text: string): string {
  try {
    const json = JSON.parse(text) as { id?: unknown; message?: unknown }
    if (typeof json.message === 'string') return `: ${typeof json.id === 'string' ? `${json.id}: ` : ''}${json.message.slice(0, 200)}`
  } catch {
    // not JSON: the status says enough
  }
  return ''
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}
