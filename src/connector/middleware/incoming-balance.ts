/**
 * The sender's side of the two-phase transfer (money rules 2 and 5). Reserves the incoming amount on the
 * sender's account (T04 when that would pass its minimum balance), then:
 *  - on a Fulfill, commits the incoming hold together with the next hop's outgoing hold as one journal entry,
 *    and lets the Fulfill go upstream only once the commit is durable;
 *  - on a Reject (or an exception below), releases the incoming hold (the outgoing stage released its own).
 * If the commit itself fails, the holds stay reserved (the next hop was paid; releasing would lose that), the
 * failure is logged, and the sender gets T00.
 * Zero-amount packets touch no balance.
 */
import type { BalanceLedger, Hold } from '../../accounts/types.js'
import { IlpErrorCode, reject } from '../../ilp/errors.js'
import { isReject, type IlpReply } from '../../ilp/types.js'
import type { Logger, NodeIdentity } from '../context.js'
import type { IncomingMiddleware, IncomingRequest, IncomingHandler } from '../types.js'

export interface IncomingBalanceOptions {
  readonly self: NodeIdentity
  readonly ledger: BalanceLedger
  readonly logger: Logger
}

async function commitHop(options: IncomingBalanceOptions, request: IncomingRequest, incomingHold: Hold, fulfill: IlpReply): Promise<IlpReply> {
  const { outgoingHold } = request.hop
  const holds = outgoingHold === undefined ? [incomingHold] : [incomingHold, outgoingHold]
  try {
    await options.ledger.commit(holds)
    return fulfill
  } catch (err) {
    options.logger.error({ err, from: request.from.id, to: request.hop.to, holds }, 'ledger commit failed after a Fulfill; holds left reserved')
    return reject(IlpErrorCode.T00_INTERNAL_ERROR, options.self.address, 'internal error')
  }
}

export function createIncomingBalance(options: IncomingBalanceOptions): IncomingMiddleware {
  const { ledger, self } = options
  return (next: IncomingHandler) => async (request) => {
    const { prepare, from } = request
    if (prepare.amount === 0n) return next(request)
    const reserved = ledger.reserveIncoming(from, prepare.amount)
    if (!reserved.ok) return reject(reserved.code, self.address, reserved.message)
    const hold = reserved.hold
    request.hop.incomingHold = hold
    let reply: IlpReply
    try {
      reply = await next(request)
    } catch (err) {
      ledger.release(hold)
      throw err
    }
    if (isReject(reply)) {
      ledger.release(hold)
      return reply
    }
    return commitHop(options, request, hold, reply)
  }
}
