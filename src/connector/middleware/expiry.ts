/**
 * The outgoing expiry (money rule 4, RFC 27 step 6, ilp-connector's rule):
 *   outgoing = min(incoming − minMessageWindowMs, now + maxHoldTimeMs)
 * where now is when the Prepare entered the pipeline (hop.receivedMs).
 * R02 when the incoming Prepare has already expired or the outgoing one would leave the next hop less than
 * minMessageWindowMs. The outgoing expiry is always strictly before the incoming one.
 */
import { IlpErrorCode, reject } from '../../ilp/errors.js'
import type { NodeIdentity } from '../context.js'
import type { OutgoingMiddleware } from '../types.js'

/** ilp-connector's defaults: 1 s for a message to cross a link, at most 30 s of funds held per hop. */
export const MIN_MESSAGE_WINDOW_MS = 1_000
export const MAX_HOLD_TIME_MS = 30_000

export interface ExpiryOptions {
  readonly self: NodeIdentity
  readonly minMessageWindowMs: number
  readonly maxHoldTimeMs: number
}

export function createExpiryShortener(options: ExpiryOptions): OutgoingMiddleware {
  const { self, minMessageWindowMs, maxHoldTimeMs } = options
  if (!(minMessageWindowMs > 0) || !(maxHoldTimeMs > 0)) throw new RangeError('minMessageWindowMs and maxHoldTimeMs must be positive')
  return (next) => (request) => {
    const nowMs = request.hop.receivedMs
    const incomingMs = request.incoming.expiresAt.getTime()
    if (incomingMs <= nowMs) {
      return Promise.resolve(reject(IlpErrorCode.R02_INSUFFICIENT_TIMEOUT, self.address, 'the incoming Prepare has already expired'))
    }
    const outgoingMs = Math.min(incomingMs - minMessageWindowMs, nowMs + maxHoldTimeMs)
    if (outgoingMs - nowMs < minMessageWindowMs) {
      return Promise.resolve(
        reject(IlpErrorCode.R02_INSUFFICIENT_TIMEOUT, self.address, `expiry too soon: ${incomingMs - nowMs} ms left; this hop needs ${2 * minMessageWindowMs} ms`),
      )
    }
    if (!(outgoingMs < incomingMs)) throw new Error(`invariant: outgoing expiry ${outgoingMs} not before incoming ${incomingMs}`)
    request.expiresAt = new Date(outgoingMs)
    return next(request)
  }
}
