/**
 * `createConnector(options)`: the router role of the node. It holds the accounts, their links and the routing
 * table, runs every incoming Prepare through the pipeline (pipeline.ts), and is the edge where an exception
 * becomes a T00 Reject (logged) and where the observer hears about each packet.
 * The routes it derives from accounts are described in account-routes.ts.
 */
import type { Account, BalanceLedger } from '../accounts/types.js'
import { IlpErrorCode, reject } from '../ilp/errors.js'
import { decodePrepare, encodeIlpPacket } from '../ilp/packet.js'
import { isValidIlpAddress } from '../ilp/address.js'
import { isReject, type IlpPrepare, type IlpReply } from '../ilp/types.js'
import type { Link } from '../link/types.js'
import { Ratio } from '../money/index.js'
import { isCodecError } from '../oer/errors.js'
import { createAccountRoutes } from './account-routes.js'
import { silentLogger, type Logger, type NodeIdentity } from './context.js'
import { createDeadlineTimer } from './deadlines.js'
import { MAX_HOLD_TIME_MS, MIN_MESSAGE_WINDOW_MS } from './middleware/expiry.js'
import { createPipeline } from './pipeline.js'
import { createStaticRates, type RateSource } from './rates.js'
import { createRoutingTable, type RoutingTable } from './routing-table.js'
import type { HopRecord, PacketHandler } from './types.js'

export interface PacketEvent {
  readonly from: string
  readonly to: string | undefined
  readonly destination: string
  readonly amountIn: bigint
  readonly amountOut: bigint | undefined
  readonly outcome: 'fulfilled' | 'rejected'
  readonly code: string | undefined
  readonly latencyMs: number
}

export interface ConnectorObserver {
  onPacket(event: PacketEvent): void
}

export interface ConnectorOptions {
  /** The node's ILP address; may be learned later (setAddress, e.g. from a parent by ILDCP). */
  readonly address?: string
  readonly assetCode: string
  readonly assetScale: number
  readonly ledger: BalanceLedger
  /** Default: a static table with no entries (only same-asset hops can be priced). */
  readonly rates?: RateSource
  /** The node's margin on every hop, in [0, 1). Default 0. */
  readonly spread?: Ratio
  readonly minMessageWindowMs?: number
  readonly maxHoldTimeMs?: number
  /** Bound on packets waiting for next hops at once (default PACKETS_IN_FLIGHT_MAX); past it, T03. */
  readonly packetsInFlightMax?: number
  readonly now?: () => number
  readonly logger?: Logger
  readonly observer?: ConnectorObserver
}

export interface Connector {
  readonly address: string | undefined
  readonly assetCode: string
  readonly assetScale: number
  setAddress(address: string): void
  /** Adds an account; with a link, Prepares arriving on it enter the pipeline as from this account. */
  addAccount(account: Account, link?: Link): void
  /** Replaces an account's settings (same id); its derived routes and rate-limit state are rebuilt. */
  updateAccount(account: Account): void
  /** Removes the account, its routes (every source) and closes its link. */
  removeAccount(id: string): Promise<void>
  getAccount(id: string): Account | undefined
  accounts(): Account[]
  /** Attaches (or with undefined, detaches) the link of an account, e.g. a local STREAM receiver. */
  setLink(accountId: string, link: Link | undefined): void
  getLink(accountId: string): Link | undefined
  /** Runs a Prepare from `accountId` through the pipeline. Never rejects its promise. */
  handleIncoming(accountId: string, prepare: IlpPrepare): Promise<IlpReply>
  /** The same for a Prepare as bytes: undecodable input gets F01. Returns the encoded reply. */
  handleIncomingBytes(accountId: string, bytes: Uint8Array): Promise<Uint8Array>
  /** Registers the handler of a peer protocol prefix (`peer.route`, `peer.settle`); undefined removes it. */
  setPeerHandler(prefix: string, handler: PacketHandler | undefined): void
  readonly routes: RoutingTable
  readonly rates: RateSource
  readonly ledger: BalanceLedger
  /** Stops taking packets, closes every link it holds, answers packets in flight (R00). Ports are not closed. */
  close(): Promise<void>
}

/**
 * The account as the pipeline holds it: every field present (undefined when unset), in one order, frozen. Every
 * stage reads account fields on every packet; accounts configured with different optional fields would
 * otherwise have different hidden classes, and with enough of them each of those reads turns megamorphic.
 * JSON of it is the same as of the account given.
 */
function uniformAccount(a: Account): Account {
  // Every key of Account is required here, so a field added to Account cannot be dropped by mistake.
  const every: { readonly [K in keyof Required<Account>]: Account[K] } = {
    id: a.id,
    relation: a.relation,
    assetCode: a.assetCode,
    assetScale: a.assetScale,
    ilpAddress: a.ilpAddress,
    maxPacketAmount: a.maxPacketAmount,
    minBalance: a.minBalance,
    maxBalance: a.maxBalance,
    settleThreshold: a.settleThreshold,
    settleTo: a.settleTo,
    packetsPerMinute: a.packetsPerMinute,
    amountPerMinute: a.amountPerMinute,
    routes: a.routes,
    sendRoutes: a.sendRoutes,
    receiveRoutes: a.receiveRoutes,
    btp: a.btp,
    http: a.http,
  }
  return Object.freeze(every)
}

export function createConnector(options: ConnectorOptions): Connector {
  const now = options.now ?? Date.now
  const logger = options.logger ?? silentLogger
  const rates = options.rates ?? createStaticRates({})
  const self: NodeIdentity = { address: '' }
  const accounts = new Map<string, Account>()
  const links = new Map<string, Link>()
  const peerHandlers = new Map<string, PacketHandler>()
  const routes = createRoutingTable()
  const deadlines = createDeadlineTimer({ now })
  const accountRoutes = createAccountRoutes({ self, routes, accounts, logger })
  let closed = false

  const pipeline = createPipeline({
    self,
    now,
    ledger: options.ledger,
    rates,
    spread: options.spread ?? Ratio.ZERO,
    minMessageWindowMs: options.minMessageWindowMs ?? MIN_MESSAGE_WINDOW_MS,
    maxHoldTimeMs: options.maxHoldTimeMs ?? MAX_HOLD_TIME_MS,
    ...(options.packetsInFlightMax !== undefined && { packetsInFlightMax: options.packetsInFlightMax }),
    routes,
    accounts,
    links,
    peerHandlers,
    deadlines,
    logger,
  })

  function setAddress(address: string): void {
    if (!isValidIlpAddress(address)) throw new RangeError(`invalid node address ${JSON.stringify(address)}`)
    self.address = address
    for (const account of accounts.values()) if (account.relation === 'child') accountRoutes.derive(account)
  }

  function setLink(accountId: string, link: Link | undefined): void {
    if (!accounts.has(accountId)) throw new RangeError(`unknown account ${accountId}`)
    if (link === undefined) return void links.delete(accountId)
    links.set(accountId, link)
    link.handle(
      (prepare) => handleIncoming(accountId, prepare),
      (prepare, done) => handleIncomingThen(accountId, prepare, done),
    )
  }

  function addAccount(given: Account, link?: Link): void {
    if (accounts.has(given.id)) throw new RangeError(`account ${given.id} already exists`)
    const account = uniformAccount(given)
    accounts.set(account.id, account)
    accountRoutes.derive(account)
    if (link !== undefined) setLink(account.id, link)
  }

  function updateAccount(given: Account): void {
    if (!accounts.has(given.id)) throw new RangeError(`unknown account ${given.id}`)
    const account = uniformAccount(given)
    accounts.set(account.id, account)
    pipeline.forgetAccount(account.id)
    accountRoutes.derive(account)
  }

  async function removeAccount(id: string): Promise<void> {
    if (!accounts.delete(id)) return
    pipeline.forgetAccount(id)
    accountRoutes.forget(id)
    routes.removeNextHop(id)
    accountRoutes.ensureDefault()
    const link = links.get(id)
    links.delete(id)
    await link?.close()
  }

  function observe(from: string, prepare: IlpPrepare, hop: HopRecord, reply: IlpReply): void {
    const rejected = isReject(reply)
    try {
      options.observer!.onPacket({
        from,
        to: hop.to,
        destination: prepare.destination,
        amountIn: prepare.amount,
        amountOut: hop.outgoingAmount,
        outcome: rejected ? 'rejected' : 'fulfilled',
        code: rejected ? reply.code : undefined,
        latencyMs: now() - hop.receivedMs,
      })
    } catch (err) {
      logger.warn({ err }, 'packet observer threw')
    }
  }

  function internalError(err: unknown, accountId: string, prepare: IlpPrepare): IlpReply {
    logger.error({ err, from: accountId, destination: prepare?.destination }, 'packet pipeline threw; answering T00')
    return reject(IlpErrorCode.T00_INTERNAL_ERROR, self.address, 'internal error')
  }

  /** Runs the pipeline on a Prepare from `accountId` (a T00 at once while closing or for an unknown account). */
  function start(accountId: string, prepare: IlpPrepare, hop: HopRecord): Promise<IlpReply> {
    const from = accounts.get(accountId)
    if (closed) return Promise.resolve(reject(IlpErrorCode.T00_INTERNAL_ERROR, self.address, 'the node is shutting down'))
    if (from === undefined) return Promise.resolve(reject(IlpErrorCode.T00_INTERNAL_ERROR, self.address, `account ${accountId} is not configured`))
    try {
      return pipeline.handle({ from, prepare, hop })
    } catch (err) {
      return Promise.reject(err)
    }
  }

  function newHop(): HopRecord {
    return { receivedMs: now(), incomingHold: undefined, outgoingHold: undefined, to: undefined, outgoingAmount: undefined }
  }

  /** The reply that goes back to the link: the pipeline's, reported to the observer. */
  function finish(accountId: string, prepare: IlpPrepare, hop: HopRecord, reply: IlpReply): IlpReply {
    if (options.observer !== undefined) observe(accountId, prepare, hop, reply)
    return reply
  }

  /** A pipeline that threw: T00, reported to the observer. */
  function failed(accountId: string, prepare: IlpPrepare, hop: HopRecord, err: unknown): IlpReply {
    return finish(accountId, prepare, hop, internalError(err, accountId, prepare))
  }

  /**
   * The pipeline answered: its settlement commits or releases the hop's holds, then the observer hears of it.
   * A promise only when the ledger's commit is one (sqlite).
   */
  function settled(accountId: string, prepare: IlpPrepare, hop: HopRecord, reply: IlpReply): IlpReply | Promise<IlpReply> {
    let out: IlpReply | Promise<IlpReply>
    try {
      out = pipeline.settlement.settle(hop, accountId, reply)
    } catch (err) {
      return failed(accountId, prepare, hop, err) // a ledger that threw on release: a bug, answered T00
    }
    if (out instanceof Promise) {
      return out.then(
        (r) => finish(accountId, prepare, hop, r),
        (err: unknown) => failed(accountId, prepare, hop, err),
      )
    }
    return finish(accountId, prepare, hop, out)
  }

  /** The pipeline threw: the hop's holds are released and the sender gets T00. */
  function threw(accountId: string, prepare: IlpPrepare, hop: HopRecord, err: unknown): IlpReply {
    try {
      pipeline.settlement.abandon(hop)
    } catch (releaseErr) {
      logger.error({ err: releaseErr, from: accountId }, 'releasing the holds of a failed packet threw')
    }
    return failed(accountId, prepare, hop, err)
  }

  // Not `async`: one `.then` on the pipeline's promise is the only asynchronous step added here (the
  // settlement of the holds runs in it too, rather than in a `.then` of its own).
  function handleIncoming(accountId: string, prepare: IlpPrepare): Promise<IlpReply> {
    const hop = newHop()
    return start(accountId, prepare, hop).then(
      (reply) => settled(accountId, prepare, hop, reply),
      (err: unknown) => threw(accountId, prepare, hop, err),
    )
  }

  /** handleIncoming for links that take a callback (Link.handle's second argument): no promise of its own. */
  function handleIncomingThen(accountId: string, prepare: IlpPrepare, done: (reply: IlpReply) => void): void {
    const hop = newHop()
    start(accountId, prepare, hop).then(
      (reply) => {
        const out = settled(accountId, prepare, hop, reply)
        if (out instanceof Promise) void out.then(done)
        else done(out)
      },
      (err: unknown) => done(threw(accountId, prepare, hop, err)),
    )
  }

  function handleIncomingBytes(accountId: string, bytes: Uint8Array): Promise<Uint8Array> {
    let prepare: IlpPrepare
    try {
      prepare = decodePrepare(bytes)
    } catch (err) {
      if (!isCodecError(err)) return Promise.reject(err)
      return Promise.resolve(encodeIlpPacket(reject(IlpErrorCode.F01_INVALID_PACKET, self.address, `invalid Prepare: ${err.message}`)))
    }
    return handleIncoming(accountId, prepare).then(encodeIlpPacket)
  }

  async function close(): Promise<void> {
    if (closed) return
    closed = true
    const open = [...links.values()]
    links.clear()
    await Promise.allSettled(open.map((link) => link.close()))
    deadlines.expireAll()
    deadlines.close()
  }

  if (options.address !== undefined) setAddress(options.address)

  return {
    get address() {
      return self.address === '' ? undefined : self.address
    },
    assetCode: options.assetCode,
    assetScale: options.assetScale,
    setAddress,
    addAccount,
    updateAccount,
    removeAccount,
    getAccount: (id) => accounts.get(id),
    accounts: () => [...accounts.values()],
    setLink,
    getLink: (id) => links.get(id),
    handleIncoming,
    handleIncomingBytes,
    setPeerHandler(prefix, handler) {
      if (!prefix.startsWith('peer.')) throw new RangeError(`peer protocol prefixes start with "peer.", got ${JSON.stringify(prefix)}`)
      if (handler === undefined) peerHandlers.delete(prefix)
      else peerHandlers.set(prefix, handler)
    },
    routes,
    rates,
    ledger: options.ledger,
    close,
  }
}
