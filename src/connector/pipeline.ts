/**
 * The packet pipeline, assembled here and only here, in packet-flow order. Each stage checks or changes one
 * thing and either answers with a Reject or calls the next one.
 *
 *   incoming {from, prepare}                      outgoing {from, to, amount, expiresAt}
 *   1 validate            F01                     9  exchange rate      T00 R01 F08
 *   2 packet rate limit   T05                     10 expiry             R02
 *   3 peer protocol       ILDCP / CCP / F02       11 outgoing balance   T04 (max balance of the next hop)
 *   4 network separation  F02                     12 send               T01 R00 F05, relay downstream replies
 *   5 max packet amount   F08                     (12 also T03 past packetsInFlightMax)
 *   6 throughput limit    T05
 *   7 incoming balance    T04; its settlement (run by the connector on the outcome) commits both holds
 *                         before a Fulfill goes upstream, or releases them
 *   8 router              F02 → builds the outgoing request
 *
 * The expiry check runs before the outgoing reservation so a packet that is too late never holds the next hop's
 * balance. The edge (connector.ts) turns any exception into T00.
 */
import type { BalanceLedger } from '../accounts/types.js'
import type { Link } from '../link/types.js'
import type { Ratio } from '../money/index.js'
import { compose } from './compose.js'
import type { Logger, NodeIdentity } from './context.js'
import type { DeadlineTimer } from './deadlines.js'
import { createExchangeRate } from './middleware/exchange-rate.js'
import { createExpiryShortener } from './middleware/expiry.js'
import { createIncomingBalance, type HopSettlement } from './middleware/incoming-balance.js'
import { createMaxPacketAmount } from './middleware/max-packet.js'
import { createNetworkSeparation } from './middleware/network.js'
import { createOutgoingBalance } from './middleware/outgoing-balance.js'
import { createPeerProtocol } from './middleware/peer-protocol.js'
import { createPacketRateLimit, createThroughputLimit } from './middleware/rate-limit.js'
import { createRouter } from './middleware/router.js'
import { createSend } from './middleware/send.js'
import { createValidatePrepare } from './middleware/validate.js'
import type { RateSource } from './rates.js'
import type { RoutingTable } from './routing-table.js'
import type { Account } from '../accounts/types.js'
import type { IncomingHandler, PacketHandler } from './types.js'

export interface PipelineOptions {
  readonly self: NodeIdentity
  readonly now: () => number
  readonly ledger: BalanceLedger
  readonly rates: RateSource
  readonly spread: Ratio
  readonly minMessageWindowMs: number
  readonly maxHoldTimeMs: number
  readonly packetsInFlightMax?: number
  readonly routes: RoutingTable
  readonly accounts: ReadonlyMap<string, Account>
  readonly links: ReadonlyMap<string, Link>
  readonly peerHandlers: ReadonlyMap<string, PacketHandler>
  readonly deadlines: DeadlineTimer
  readonly logger: Logger
}

export interface Pipeline {
  readonly handle: IncomingHandler
  /**
   * Settles the hop's holds once `handle` has answered (`settle`) or thrown (`abandon`): the caller must call
   * exactly one of them per packet (the connector does, in its one `.then` on `handle`).
   */
  readonly settlement: HopSettlement
  /** Drops per-account state kept by stages (rate-limit buckets). */
  forgetAccount(accountId: string): void
}

export function createPipeline(o: PipelineOptions): Pipeline {
  const { self, now } = o
  const packetRateLimit = createPacketRateLimit({ self })
  const throughputLimit = createThroughputLimit({ self })
  const incomingBalance = createIncomingBalance({ self, ledger: o.ledger, logger: o.logger })

  const outgoing = compose(
    [
      createExchangeRate({ self, rates: o.rates, spread: o.spread }),
      createExpiryShortener({ self, minMessageWindowMs: o.minMessageWindowMs, maxHoldTimeMs: o.maxHoldTimeMs }),
      createOutgoingBalance({ self, ledger: o.ledger }),
    ],
    createSend({ self, now, links: o.links, deadlines: o.deadlines, logger: o.logger, packetsInFlightMax: o.packetsInFlightMax }),
  )

  const handle = compose(
    [
      createValidatePrepare({ self }),
      packetRateLimit.middleware,
      createPeerProtocol({ self, now, handlers: o.peerHandlers }),
      createNetworkSeparation({ self }),
      createMaxPacketAmount({ self }),
      throughputLimit.middleware,
      incomingBalance.middleware,
    ],
    createRouter({ self, routes: o.routes, accounts: o.accounts }, outgoing),
  )

  return {
    handle,
    settlement: incomingBalance.settlement,
    forgetAccount(accountId) {
      packetRateLimit.forget(accountId)
      throughputLimit.forget(accountId)
    },
  }
}
