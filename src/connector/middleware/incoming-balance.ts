/**
 * The sender's side of the two-phase transfer (money rules 2 and 5). The stage reserves the incoming amount on
 * the sender's account (T04 when that would pass its minimum balance). Its settlement, which the connector
 * calls exactly once per packet with the pipeline's outcome (one `.then` for the whole pipeline, not one per
 * stage), settles both holds of the hop (the outgoing one, reserved by the outgoing-balance stage, is in
 * `hop.outgoingHold`):
 *  - on a Fulfill, commits them as one journal entry, and lets the Fulfill go upstream only once the commit is
 *    durable;
 *  - on a Reject, or when the pipeline threw (`abandon`), releases both.
 * If the commit itself fails, the holds stay reserved (the next hop was paid; releasing would lose that), the
 * failure is logged, and the sender gets T00.
 * Zero-amount packets reserve nothing here (a hold downstream is still settled).
 */
import type { BalanceLedger, Hold } from '../../accounts/types.js'
import { IlpErrorCode, reject } from '../../ilp/errors.js'
import { isReject, type IlpReply } from '../../ilp/types.js'
import type { Logger, NodeIdentity } from '../context.js'
import type { HopRecord, IncomingMiddleware, IncomingRequest, IncomingHandler } from '../types.js'

export interface IncomingBalanceOptions {
  readonly self: NodeIdentity
  readonly ledger: BalanceLedger
  readonly logger: Logger
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as { then?: unknown } | null)?.then === 'function'
}

/** What the connector calls once per packet, when the pipeline has answered or thrown. */
export interface HopSettlement {
  /** The reply that goes upstream: a Reject after releasing the hop's holds, a Fulfill after their commit. */
  settle(hop: HopRecord, from: string, reply: IlpReply): IlpReply | Promise<IlpReply>
  /** The pipeline threw: releases the hop's holds. */
  abandon(hop: HopRecord): void
}

export function createIncomingBalance(options: IncomingBalanceOptions): { middleware: IncomingMiddleware; settlement: HopSettlement } {
  const { ledger, self, logger } = options

  function releaseAll(hop: HopRecord): void {
    const { incomingHold, outgoingHold } = hop
    hop.incomingHold = undefined
    hop.outgoingHold = undefined
    if (outgoingHold !== undefined) ledger.release(outgoingHold)
    if (incomingHold !== undefined) ledger.release(incomingHold)
  }

  function commitFailed(from: string, hop: HopRecord, holds: readonly Hold[], err: unknown): IlpReply {
    logger.error({ err, from, to: hop.to, holds }, 'ledger commit failed after a Fulfill; holds left reserved')
    return reject(IlpErrorCode.T00_INTERNAL_ERROR, self.address, 'internal error')
  }

  function settle(hop: HopRecord, from: string, reply: IlpReply): IlpReply | Promise<IlpReply> {
    if (isReject(reply)) {
      releaseAll(hop)
      return reply
    }
    const { incomingHold, outgoingHold } = hop
    if (incomingHold === undefined && outgoingHold === undefined) return reply
    const holds = incomingHold === undefined ? [outgoingHold!] : outgoingHold === undefined ? [incomingHold] : [incomingHold, outgoingHold]
    let committed: unknown
    try {
      committed = ledger.commit(holds)
    } catch (err) {
      return commitFailed(from, hop, holds, err)
    }
    if (!isThenable(committed)) return reply // committed at once (the memory ledger)
    return Promise.resolve(committed).then(
      () => reply,
      (err: unknown) => commitFailed(from, hop, holds, err),
    )
  }

  const middleware: IncomingMiddleware = (next: IncomingHandler) => (request) => {
    const { prepare, from, hop } = request
    if (prepare.amount !== 0n) {
      const reserved = ledger.reserveIncoming(from, prepare.amount)
      if (!reserved.ok) return Promise.resolve(reject(reserved.code, self.address, reserved.message))
      hop.incomingHold = reserved.hold
    }
    return next(request) // settled by the connector (settlement.settle / abandon)
  }

  return { middleware, settlement: { settle, abandon: releaseAll } }
}
