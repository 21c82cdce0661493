/**
 * Payment pointers (RFC 26) and SPSP endpoint URLs (RFC 9 "Specification").
 *
 * A pointer is `"$" host path-abempty` with `host` and `path-abempty` from RFC 3986 §3.2.2 and §3.3: no userinfo,
 * no port, no query, no fragment. It resolves to `"https://" host path-abempty`, where an empty path or `/`
 * becomes `/.well-known/pay`. Raw endpoint URLs are accepted too (RFC 9: "SHOULD be supported by SPSP clients").
 */
import { isIPv6 } from 'node:net'
import { SpspError } from './errors.js'

/** The well-known path an empty pointer path resolves to (RFC 26 "Receiver Endpoint Resolution"). */
export const WELL_KNOWN_PAY_PATH = '/.well-known/pay'

/** A bound on pointer and URL length: far above any real pointer, small enough to never matter to memory. */
export const POINTER_MAX_LENGTH = 2048

// RFC 3986 character classes, as regular-expression fragments.
const UNRESERVED = "A-Za-z0-9\\-._~"
const SUB_DELIMS = "!$&'()*+,;="
const PCT_ENCODED = '%[0-9A-Fa-f]{2}'
/** reg-name = *( unreserved / pct-encoded / sub-delims ) (RFC 3986 §3.2.2); we require at least one char. */
const REG_NAME = new RegExp(`^(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT_ENCODED})+$`)
/** path-abempty = *( "/" segment ), segment = *pchar, pchar adds ":" and "@" (RFC 3986 §3.3). */
const PATH_ABEMPTY = new RegExp(`^(?:/(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT_ENCODED})*)*$`)
const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])'
const IPV4_ADDRESS = new RegExp(`^${DEC_OCTET}(?:\\.${DEC_OCTET}){3}$`)

export interface PaymentPointer {
  /** The host exactly as written (a reg-name, an IPv4 address or a bracketed IPv6 literal). */
  readonly host: string
  /** The path exactly as written; '' when absent. */
  readonly path: string
}

/** Splits and validates a payment pointer; throws `SPSP_INVALID_POINTER` on any deviation from RFC 26. */
export function parsePaymentPointer(pointer: string): PaymentPointer {
  if (pointer.length > POINTER_MAX_LENGTH) throw invalid(pointer, `longer than ${POINTER_MAX_LENGTH} characters`)
  if (!pointer.startsWith('$')) throw invalid(pointer, 'a payment pointer starts with "$"')
  const rest = pointer.slice(1)
  const slash = rest.indexOf('/')
  const host = slash === -1 ? rest : rest.slice(0, slash)
  const path = slash === -1 ? '' : rest.slice(slash)
  if (!isValidHost(host)) throw invalid(pointer, 'the host must be a domain name or IP address, with no userinfo or port')
  if (!PATH_ABEMPTY.test(path)) throw invalid(pointer, 'the path may not contain a query, a fragment or invalid characters')
  return { host, path }
}

export function isValidPaymentPointer(pointer: string): boolean {
  try {
    parsePaymentPointer(pointer)
    return true
  } catch {
    return false
  }
}

/** The https endpoint a pointer resolves to (RFC 26): `$example.com/bob` → `https://example.com/bob`. */
export function paymentPointerToUrl(pointer: string): URL {
  const { host, path } = parsePaymentPointer(pointer)
  try {
    return new URL(`https://${host}${path === '' || path === '/' ? WELL_KNOWN_PAY_PATH : path}`)
  } catch (cause) {
    // RFC 3986 allows a few host characters (e.g. "!") that WHATWG URLs forbid; such a pointer cannot be queried.
    throw new SpspError('SPSP_INVALID_POINTER', `payment pointer "${pointer}" has a host no URL can carry`, { cause })
  }
}

export interface ResolveOptions {
  /** Accept plain `http://` URLs to hosts other than localhost, 127.0.0.0/8 and [::1]. Default false. */
  readonly allowHttp?: boolean
}

/**
 * The SPSP endpoint for a payment pointer or a raw URL. Raw URLs may carry a port, and a path of `/` also maps to
 * `/.well-known/pay`; they may not carry userinfo, a query (RFC 9: "Clients MUST NOT send query string
 * parameters") or a fragment. Plain http is accepted for loopback hosts, elsewhere only with `allowHttp`.
 */
export function resolveSpspEndpoint(pointerOrUrl: string, options: ResolveOptions = {}): URL {
  const input = pointerOrUrl.trim()
  if (input.startsWith('$')) return paymentPointerToUrl(input)
  if (input.length > POINTER_MAX_LENGTH) throw invalid(input, `longer than ${POINTER_MAX_LENGTH} characters`)
  let url: URL
  try {
    url = new URL(input)
  } catch (cause) {
    throw new SpspError('SPSP_INVALID_POINTER', `"${input}" is neither a payment pointer ($host/path) nor a URL`, { cause })
  }
  checkEndpointUrl(url, options)
  if (url.pathname === '/') url.pathname = WELL_KNOWN_PAY_PATH
  return url
}

/** Checks a URL we are about to query (also each redirect target): scheme, credentials, query, fragment. */
export function checkEndpointUrl(url: URL, options: ResolveOptions = {}): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(url.href, 'only https (or http) URLs are SPSP endpoints')
  if (url.username !== '' || url.password !== '') throw invalid(url.href, 'credentials in the URL are not allowed')
  if (url.search !== '') throw invalid(url.href, 'RFC 9: clients must not send query string parameters')
  if (url.hash !== '') throw invalid(url.href, 'a fragment is not allowed')
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && options.allowHttp !== true) {
    throw new SpspError('SPSP_INSECURE_URL', `refusing plain http to ${url.host}: SPSP must use https (pass allowHttp to override)`)
  }
}

/** localhost, 127.0.0.0/8 and [::1]: hosts where plain http never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true
  return IPV4_ADDRESS.test(host) && host.startsWith('127.')
}

/**
 * The payment pointer that resolves to `url`, when one exists (https, default port, no query or fragment):
 * `https://example.com/.well-known/pay` → `$example.com`. Otherwise undefined: show the raw URL instead.
 */
export function urlToPaymentPointer(url: URL): string | undefined {
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '') return undefined
  if (url.search !== '' || url.hash !== '') return undefined
  const path = url.pathname === WELL_KNOWN_PAY_PATH || url.pathname === '/' ? '' : url.pathname
  const pointer = `$${url.host}${path}`
  return isValidPaymentPointer(pointer) ? pointer : undefined
}

function isValidHost(host: string): boolean {
  if (host.startsWith('[') && host.endsWith(']')) return isIPv6(host.slice(1, -1))
  return REG_NAME.test(host) || IPV4_ADDRESS.test(host)
}

function invalid(input: string, why: string): SpspError {
  return new SpspError('SPSP_INVALID_POINTER', `invalid payment pointer or URL "${input}": ${why}`)
}
