/**
 * Learning the node's address from its parent (RFC 31 ILDCP): once the parent's link is up, send `peer.config`
 * on it and take `clientAddress` from the Fulfill. Retried with backoff until it works or the node stops.
 */
import { ildcpRequest, ildcpResponseFromFulfill, type IldcpResponse } from '../ilp/ildcp.js'
import { isReject } from '../ilp/types.js'
import type { Link } from '../link/types.js'

/** First retry after this; doubled each failure up to ILDCP_RETRY_MAX_MS (RFC 31 sets no schedule). */
export const ILDCP_RETRY_MIN_MS = 250
export const ILDCP_RETRY_MAX_MS = 10_000
/** How long one request may wait for the parent (well under the request's 60 s expiry). */
export const ILDCP_REQUEST_TIMEOUT_MS = 10_000

export interface LearnAddressOptions {
  /** The parent's current link (it may change as sockets reconnect). */
  link(): Link | undefined
  now: () => number
  signal: AbortSignal
  onError?(error: Error): void
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })

/** One ILDCP exchange on `link`. Throws when the parent rejects or answers something that is not ILDCP. */
export async function requestConfig(link: Link, now: () => number, signal: AbortSignal): Promise<IldcpResponse> {
  const reply = await link.send(ildcpRequest({ now }), AbortSignal.any([signal, AbortSignal.timeout(ILDCP_REQUEST_TIMEOUT_MS)]))
  if (isReject(reply)) throw new Error(`parent rejected peer.config: ${reply.code} ${reply.message}`)
  return ildcpResponseFromFulfill(reply)
}

/** Resolves with the parent's answer, or undefined if `signal` aborts first. */
export async function learnAddress(options: LearnAddressOptions): Promise<IldcpResponse | undefined> {
  let delay = ILDCP_RETRY_MIN_MS
  while (!options.signal.aborted) {
    const link = options.link()
    if (link?.connected) {
      try {
        return await requestConfig(link, options.now, options.signal)
      } catch (e) {
        if (!options.signal.aborted) options.onError?.(e as Error)
      }
    }
    await sleep(delay, options.signal)
    delay = Math.min(delay * 2, ILDCP_RETRY_MAX_MS)
  }
  return undefined
}
