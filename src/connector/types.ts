import type { Account, Hold } from '../accounts/types.js'
import type { IlpPrepare, IlpReply } from '../ilp/types.js'

/** The one shape on the money path (ARCHITECTURE.md). Rejections are values, never exceptions. */
export type PacketHandler = (prepare: IlpPrepare, from: Account) => Promise<IlpReply>
export type Middleware = (next: PacketHandler) => PacketHandler

/**
 * The pipeline's own request shapes (STYLE.md habit 5, after interledger-rs): before routing a stage sees only
 * `{ from, prepare }`; the router turns it into `{ from, to, ... }` for the stages after it, so nothing before
 * routing can read `to`. Stages after the router change the outgoing `amount` and `expiresAt`; the last stage
 * patches them into one copy of the incoming bytes (patchPrepare).
 *
 * `hop` is the one piece of per-packet state shared across stages: the ledger holds (the incoming-balance
 * stage commits both of them before a Fulfill goes upstream) and what the observer reports.
 */
export interface HopRecord {
  /**
   * When the Prepare entered the pipeline, on the injected clock: the "now" of the stages before send (expiry,
   * rate limits), which run synchronously one after the other. A stage that awaits must read the clock itself.
   */
  readonly receivedMs: number
  incomingHold: Hold | undefined
  outgoingHold: Hold | undefined
  /** Next-hop account id, once routed. */
  to: string | undefined
  /** Outgoing amount, once the rate was applied. */
  outgoingAmount: bigint | undefined
}

export interface IncomingRequest {
  readonly from: Account
  readonly prepare: IlpPrepare
  readonly hop: HopRecord
}

export interface OutgoingRequest {
  readonly from: Account
  readonly to: Account
  /** The Prepare as it arrived (its condition, destination and data are forwarded unchanged). */
  readonly incoming: IlpPrepare
  /** Outgoing amount in the next hop's asset and scale (starts as the incoming amount). */
  amount: bigint
  /** Outgoing expiry (starts as the incoming expiry). */
  expiresAt: Date
  readonly hop: HopRecord
}

export type IncomingHandler = (request: IncomingRequest) => Promise<IlpReply>
export type IncomingMiddleware = (next: IncomingHandler) => IncomingHandler
export type OutgoingHandler = (request: OutgoingRequest) => Promise<IlpReply>
export type OutgoingMiddleware = (next: OutgoingHandler) => OutgoingHandler
