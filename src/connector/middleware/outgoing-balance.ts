/**
 * The next hop's side of the two-phase transfer: reserves the outgoing amount on the next hop's account (T04
 * when that would pass its maximum balance, RFC 32) and leaves the hold in `hop.outgoingHold`. The
 * incoming-balance stage settles it with the sender's hold: released on a Reject or an exception, committed
 * with it on a Fulfill. (Every reply to a packet that got this far passes through that stage, so one place
 * settles both holds and the packet path has one asynchronous boundary, not one per stage.)
 */
import type { BalanceLedger } from '../../accounts/types.js'
import { reject } from '../../ilp/errors.js'
import type { NodeIdentity } from '../context.js'
import type { OutgoingMiddleware } from '../types.js'

export function createOutgoingBalance(options: { self: NodeIdentity; ledger: BalanceLedger }): OutgoingMiddleware {
  const { ledger, self } = options
  return (next) => (request) => {
    if (request.amount === 0n) return next(request)
    const reserved = ledger.reserveOutgoing(request.to, request.amount)
    if (!reserved.ok) return Promise.resolve(reject(reserved.code, self.address, reserved.message))
    request.hop.outgoingHold = reserved.hold
    return next(request)
  }
}
