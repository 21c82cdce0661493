/**
 * The next hop's side of the two-phase transfer: reserves the outgoing amount on the next hop's account (T04
 * when that would pass its maximum balance, RFC 32), and releases it on a Reject or an exception. On a Fulfill
 * the hold is left in `hop.outgoingHold` for the incoming-balance stage to commit with the sender's hold.
 */
import type { BalanceLedger } from '../../accounts/types.js'
import { reject } from '../../ilp/errors.js'
import { isReject, type IlpReply } from '../../ilp/types.js'
import type { NodeIdentity } from '../context.js'
import type { OutgoingMiddleware } from '../types.js'

export function createOutgoingBalance(options: { self: NodeIdentity; ledger: BalanceLedger }): OutgoingMiddleware {
  const { ledger, self } = options
  return (next) => async (request) => {
    if (request.amount === 0n) return next(request)
    const reserved = ledger.reserveOutgoing(request.to, request.amount)
    if (!reserved.ok) return reject(reserved.code, self.address, reserved.message)
    const hold = reserved.hold
    request.hop.outgoingHold = hold
    let reply: IlpReply
    try {
      reply = await next(request)
    } catch (err) {
      request.hop.outgoingHold = undefined
      ledger.release(hold)
      throw err
    }
    if (isReject(reply)) {
      request.hop.outgoingHold = undefined
      ledger.release(hold)
    }
    return reply
  }
}
