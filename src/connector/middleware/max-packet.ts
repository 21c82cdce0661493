/** F08 Amount Too Large, with its data (receivedAmount, maximumAmount), for a Prepare above the account's maxPacketAmount. */
import { amountTooLarge } from '../../ilp/errors.js'
import type { NodeIdentity } from '../context.js'
import type { IncomingMiddleware } from '../types.js'

export function createMaxPacketAmount(options: { self: NodeIdentity }): IncomingMiddleware {
  return (next) => (request) => {
    const max = request.from.maxPacketAmount
    if (max !== undefined && request.prepare.amount > max) {
      return Promise.resolve(amountTooLarge(options.self.address, request.prepare.amount, max))
    }
    return next(request)
  }
}
