/**
 * `createCcpService(options)`: the thin driver of CCP route exchange around the pure state machines of
 * receiver.ts and speaker.ts. It owns no socket: it sends through `send(accountId, prepare)`, answers the
 * `peer.route.*` Prepares the connector hands to `handle`, and reads/writes routes through the small
 * `CcpRoutingTable` interface (the connector's RoutingTable satisfies it). See README.md for the wiring.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { IlpErrorCode, reject } from '../../ilp/errors.js'
import { isFulfill, type IlpPrepare, type IlpReply } from '../../ilp/types.js'
import { isCodecError } from '../../oer/errors.js'
import { silentLogger, type Logger } from '../context.js'
import {
  CCP_CONTROL_DESTINATION,
  CCP_UPDATE_DESTINATION,
  ccpResponse,
  isCcpResponse,
  parseRouteControlPrepare,
  parseRouteUpdatePrepare,
  routeControlPrepare,
  routeUpdatePrepare,
  type CcpRoute,
  type CcpRouteUpdateRequest,
} from './packet.js'
import { applyUpdate, createReceiverState, decideUpdate, expire, isExpired, syncRequest, type ReceiverState } from './receiver.js'
import { acceptRoute, bestCandidate, forwardAuth, isExportable, originAuth, type Candidate, type PeerRelation } from './routes.js'
import {
  CCP_BROADCAST_INTERVAL_MS,
  CCP_EPOCH_LOG_MAX,
  CCP_HOLD_DOWN_TIME_MS,
  CCP_MIN_UPDATE_GAP_MS,
  SENDER_IDLE,
  buildUpdate,
  compactLog,
  createEpochLog,
  currentEpoch,
  isUpdateDue,
  needsCompaction,
  onControl,
  onResult,
  onSent,
  setAdvertised,
  type AdvertisedRoute,
  type SenderState,
} from './speaker.js'

/** ilp-connector retries a failed route control request every 30 s. */
export const CCP_CONTROL_RETRY_MS = 30_000
/** ilp-connector checks route expiry every second (`routeCleanupInterval`). */
export const CCP_TICK_MS = 1_000
/**
 * Routes kept from one peer (new prefixes beyond it are refused like filtered routes), so a peer cannot grow
 * our memory without limit; the same order as the routing table's own ROUTES_MAX.
 */
export const CCP_ROUTES_PER_PEER_MAX = 100_000

/** A route as the routing table holds it (the fields CCP reads). */
export interface CcpTableRoute {
  readonly prefix: string
  readonly nextHop: string
  readonly source: string
  readonly path?: readonly string[]
}

/** What CCP needs of the routing table; `createRoutingTable()` of src/connector satisfies it. */
export interface CcpRoutingTable {
  add(route: { prefix: string; nextHop: string; source: 'ccp'; path?: readonly string[] }): void
  remove(prefix: string, source: 'ccp'): boolean
  /** The route in use for exactly this prefix (best source). */
  get(prefix: string): CcpTableRoute | undefined
  best(): readonly CcpTableRoute[]
  onChange(listener: (change: { readonly prefix: string }) => void): () => void
}

export interface CcpPeer {
  readonly id: string
  readonly relation: PeerRelation
  /** Advertise our routes to this peer. Default: not for children (ilp-connector's default). */
  readonly sendRoutes?: boolean
  /** Learn routes from this peer. Default: not from children. */
  readonly receiveRoutes?: boolean
}

export interface CcpServiceOptions {
  /** The node's address, read on use ('' until known: nothing is imported or advertised before). */
  readonly self: { readonly address: string }
  readonly routes: CcpRoutingTable
  /** Sends a Prepare to the account's peer; resolves with its reply, or rejects when it could not be delivered. */
  readonly send: (accountId: string, prepare: IlpPrepare) => Promise<IlpReply>
  readonly now?: () => number
  /** Key of our routes' auth (HMAC); default random per process. */
  readonly routingSecret?: Uint8Array
  /** Default random: a restart is a new table, so peers resync from epoch 0. */
  readonly routingTableId?: string
  readonly broadcastIntervalMs?: number
  readonly minUpdateGapMs?: number
  readonly holdDownTimeMs?: number
  readonly controlRetryMs?: number
  readonly tickMs?: number
  /** Default CCP_ROUTES_PER_PEER_MAX. */
  readonly routesPerPeerMax?: number
  /** Default CCP_EPOCH_LOG_MAX. */
  readonly epochLogMax?: number
  readonly logger?: Logger
}

type ControlState = { readonly kind: 'needed'; readonly at: number } | { readonly kind: 'in-flight' } | { readonly kind: 'synced' }

interface PeerEntry {
  readonly peer: CcpPeer
  readonly sends: boolean
  readonly receives: boolean
  sender: SenderState
  readonly receiver: ReceiverState
  control: ControlState
}

export interface CcpService {
  /** The `peer.route` handler: register with `connector.setPeerHandler('peer.route', service.handle)`. */
  handle(prepare: IlpPrepare, from: { readonly id: string }): Promise<IlpReply>
  addPeer(peer: CcpPeer): void
  removePeer(id: string): void
  /**
   * The peer's link came up (or was replaced by a new connection): ask for its routes now rather than at the
   * next retry. Went down: drop the routes learned from it (ilp-connector drops a disconnected peer's routes);
   * they come back with the control request sent when the link is up again. Our sending side is left alone:
   * the peer asks for our routes when it sees its own link come up.
   */
  peerLinkChanged(id: string, up: boolean): void
  /** Runs what is due now: expiries, control requests, updates and heartbeats. `start` calls it every tickMs. */
  tick(): void
  start(): void
  close(): void
  readonly routingTableId: string
  readonly epoch: number
  /** The routes a peer advertised to us (after the import filter). */
  receivedRoutes(peerId: string): CcpRoute[]
  /** The routes we advertise now, by prefix. */
  advertisedRoutes(): AdvertisedRoute[]
}

export function createCcpService(options: CcpServiceOptions): CcpService {
  const now = options.now ?? Date.now
  const logger = options.logger ?? silentLogger
  const { self, routes, send } = options
  const secret = options.routingSecret ?? new Uint8Array(randomBytes(32))
  let log = createEpochLog(options.routingTableId ?? randomUUID())
  const timing = {
    broadcastIntervalMs: options.broadcastIntervalMs ?? CCP_BROADCAST_INTERVAL_MS,
    minUpdateGapMs: options.minUpdateGapMs ?? CCP_MIN_UPDATE_GAP_MS,
  }
  const holdDownTimeMs = options.holdDownTimeMs ?? CCP_HOLD_DOWN_TIME_MS
  const controlRetryMs = options.controlRetryMs ?? CCP_CONTROL_RETRY_MS
  const routesPerPeerMax = options.routesPerPeerMax ?? CCP_ROUTES_PER_PEER_MAX
  const epochLogMax = options.epochLogMax ?? CCP_EPOCH_LOG_MAX
  const peers = new Map<string, PeerEntry>()
  /** Prefix → peer whose route we installed with source 'ccp'. */
  const installed = new Map<string, string>()
  let ownAddress = ''
  let timer: NodeJS.Timeout | undefined
  const unsubscribe = routes.onChange((change) => advertise(change.prefix))

  // ------------------------------------------------------------------------------------------ learned routes

  /** Re-picks the best learned route of a prefix and installs or removes it in the routing table. */
  function reselect(prefix: string): void {
    const candidates: Candidate[] = []
    for (const entry of peers.values()) {
      const route = entry.receives ? entry.receiver.routes.get(prefix) : undefined
      if (route !== undefined) candidates.push({ peerId: entry.peer.id, relation: entry.peer.relation, route })
    }
    const best = bestCandidate(candidates)
    const previous = installed.get(prefix)
    if (best === undefined) {
      if (previous === undefined) return
      installed.delete(prefix)
      routes.remove(prefix, 'ccp')
      return
    }
    try {
      // Always re-add: the path may have changed even when the next hop did not (add replaces in place).
      routes.add({ prefix, nextHop: best.peerId, source: 'ccp', path: best.route.path })
      installed.set(prefix, best.peerId)
    } catch (err) {
      // The routing table refuses (it is full): the prefix stays unrouted by CCP rather than half-applied.
      logger.warn({ prefix, peer: best.peerId, err }, 'routing table refused a learned route')
      if (previous !== undefined && routes.remove(prefix, 'ccp')) installed.delete(prefix)
      return
    }
    if (previous === best.peerId) advertise(prefix) // the table may not report a same-next-hop change
  }

  // ------------------------------------------------------------------------------------------ advertised routes

  function advertisedFor(prefix: string): AdvertisedRoute | undefined {
    if (prefix === ownAddress) return { prefix, nextHop: '', path: [ownAddress], auth: originAuth(secret, prefix) }
    if (!isExportable(prefix, ownAddress)) return undefined
    const best = routes.get(prefix)
    if (best === undefined) return undefined
    if (best.source === 'ccp') {
      const learned = peers.get(best.nextHop)?.receiver.routes.get(prefix)
      if (learned === undefined) return undefined
      return { prefix, nextHop: best.nextHop, path: [ownAddress, ...learned.path], auth: forwardAuth(learned.auth) }
    }
    return { prefix, nextHop: best.nextHop, path: [ownAddress], auth: originAuth(secret, prefix) }
  }

  function advertise(prefix: string): void {
    if (ownAddress === '') return
    if (setAdvertised(log, prefix, advertisedFor(prefix)) && needsCompaction(log, epochLogMax)) compact()
  }

  /** A new table with only the live routes; peers in SYNC restart from its epoch 0 (they get the new id). */
  function compact(): void {
    log = compactLog(log, randomUUID())
    for (const entry of peers.values()) {
      if (entry.sender.mode === 'sync') entry.sender = { ...entry.sender, lastKnownEpoch: 0, rollbackEpoch: undefined }
    }
    logger.info({ routingTableId: log.routingTableId, epochs: currentEpoch(log) }, 'route log compacted into a new routing table')
  }

  /** Our address appeared or changed: withdraw everything advertised under the old one and start over. */
  function checkOwnAddress(): void {
    if (self.address === ownAddress) return
    const previous = ownAddress
    ownAddress = self.address
    for (const prefix of [...log.current.keys()]) setAdvertised(log, prefix, undefined)
    if (previous !== '') for (const entry of peers.values()) forgetLearned(entry)
    if (ownAddress === '') return
    advertise(ownAddress)
    for (const route of routes.best()) advertise(route.prefix)
  }

  function forgetLearned(entry: PeerEntry): void {
    for (const prefix of expire(entry.receiver)) reselect(prefix)
    if (entry.receives) entry.control = { kind: 'needed', at: 0 }
  }

  // ------------------------------------------------------------------------------------------ incoming requests

  function refuse(code: string, message: string): Promise<IlpReply> {
    return Promise.resolve(reject(code, ownAddress, message))
  }

  function handleControl(prepare: IlpPrepare, entry: PeerEntry): Promise<IlpReply> {
    if (!entry.sends) return refuse(IlpErrorCode.F00_BAD_REQUEST, `not configured to send routes to ${entry.peer.id}`)
    const request = parseRouteControlPrepare(prepare, now())
    entry.sender = onControl(entry.sender, request, log)
    queueMicrotask(() => pumpUpdate(entry))
    return Promise.resolve(ccpResponse())
  }

  function handleUpdate(prepare: IlpPrepare, entry: PeerEntry): Promise<IlpReply> {
    if (!entry.receives) return refuse(IlpErrorCode.F00_BAD_REQUEST, `not configured to receive routes from ${entry.peer.id}`)
    if (ownAddress === '') return refuse(IlpErrorCode.T00_INTERNAL_ERROR, 'this node has no ILP address yet')
    const update = parseRouteUpdatePrepare(prepare, now())
    const held = entry.receiver.routes
    let room = routesPerPeerMax - held.size // counted before a table reset clears `held`: errs on the safe side
    const accept = (route: CcpRoute): boolean => {
      if (!acceptRoute(route, ownAddress)) return false
      if (held.has(route.prefix)) return true
      return room-- > 0
    }
    const decision = decideUpdate(entry.receiver, update, now(), accept)
    for (const prefix of applyUpdate(entry.receiver, decision)) reselect(prefix)
    if (decision.kind === 'gap') {
      entry.control = { kind: 'needed', at: 0 }
      queueMicrotask(() => pumpControl(entry))
      return refuse(IlpErrorCode.F00_BAD_REQUEST, `gap in route updates: have epoch ${entry.receiver.epoch}, got ${update.fromEpochIndex}`)
    }
    if (entry.control.kind !== 'in-flight') entry.control = { kind: 'synced' }
    return Promise.resolve(ccpResponse())
  }

  function handle(prepare: IlpPrepare, from: { readonly id: string }): Promise<IlpReply> {
    checkOwnAddress()
    const entry = peers.get(from.id)
    if (entry === undefined) return refuse(IlpErrorCode.F00_BAD_REQUEST, `account ${from.id} does not exchange routes`)
    try {
      if (prepare.destination === CCP_CONTROL_DESTINATION) return handleControl(prepare, entry)
      if (prepare.destination === CCP_UPDATE_DESTINATION) return handleUpdate(prepare, entry)
    } catch (err) {
      if (isCodecError(err)) return refuse(IlpErrorCode.F01_INVALID_PACKET, err.message)
      throw err
    }
    return refuse(IlpErrorCode.F02_UNREACHABLE, `unknown route protocol address ${prepare.destination}`)
  }

  // ------------------------------------------------------------------------------------------ outgoing requests

  function accepted(reply: IlpReply): boolean {
    return isFulfill(reply) && isCcpResponse(reply)
  }

  function pumpUpdate(entry: PeerEntry): void {
    if (!entry.sends || ownAddress === '' || peers.get(entry.peer.id) !== entry) return
    const at = now()
    if (!isUpdateDue(entry.sender, log, at, timing) || entry.sender.mode !== 'sync') return
    const update: CcpRouteUpdateRequest = buildUpdate(entry.sender.lastKnownEpoch, log, entry.peer, {
      ownAddress,
      holdDownTimeMs,
      relationOf: (id) => peers.get(id)?.peer.relation,
    })
    entry.sender = onSent(entry.sender, update, at)
    const settle = (ok: boolean): void => {
      entry.sender = onResult(entry.sender, update, ok, now(), controlRetryMs)
      if (ok) queueMicrotask(() => pumpUpdate(entry)) // more epochs may be waiting
    }
    send(entry.peer.id, routeUpdatePrepare(update, at)).then(
      (reply) => settle(accepted(reply)),
      (err: unknown) => {
        logger.debug({ peer: entry.peer.id, err }, 'route update failed')
        settle(false)
      },
    )
  }

  function pumpControl(entry: PeerEntry): void {
    if (!entry.receives || ownAddress === '' || peers.get(entry.peer.id) !== entry) return
    const at = now()
    if (entry.control.kind !== 'needed' || at < entry.control.at) return
    entry.control = { kind: 'in-flight' }
    const settle = (ok: boolean): void => {
      if (entry.control.kind === 'in-flight') entry.control = ok ? { kind: 'synced' } : { kind: 'needed', at: now() + controlRetryMs }
    }
    send(entry.peer.id, routeControlPrepare(syncRequest(entry.receiver), at)).then(
      (reply) => settle(accepted(reply)),
      (err: unknown) => {
        logger.debug({ peer: entry.peer.id, err }, 'route control request failed')
        settle(false)
      },
    )
  }

  function tick(): void {
    checkOwnAddress()
    const at = now()
    for (const entry of peers.values()) {
      if (entry.receives && isExpired(entry.receiver, at)) {
        logger.info({ peer: entry.peer.id }, 'routes of peer expired (no update within the hold-down time)')
        forgetLearned(entry)
      }
      pumpControl(entry)
      pumpUpdate(entry)
    }
  }

  // ------------------------------------------------------------------------------------------ peers

  function addPeer(peer: CcpPeer): void {
    removePeer(peer.id)
    const entry: PeerEntry = {
      peer,
      sends: peer.sendRoutes ?? peer.relation !== 'child',
      receives: peer.receiveRoutes ?? peer.relation !== 'child',
      sender: SENDER_IDLE,
      receiver: createReceiverState(),
      control: { kind: 'needed', at: 0 },
    }
    peers.set(peer.id, entry)
  }

  function removePeer(id: string): void {
    const entry = peers.get(id)
    if (entry === undefined) return
    peers.delete(id)
    const prefixes = [...entry.receiver.routes.keys()]
    entry.receiver.routes.clear()
    for (const prefix of prefixes) reselect(prefix)
  }

  function peerLinkChanged(id: string, up: boolean): void {
    const entry = peers.get(id)
    if (entry === undefined || !entry.receives) return
    if (!up) return forgetLearned(entry)
    entry.control = { kind: 'needed', at: 0 }
    queueMicrotask(() => pumpControl(entry))
  }

  return {
    handle,
    addPeer,
    removePeer,
    peerLinkChanged,
    tick,
    start() {
      if (timer !== undefined) return
      timer = setInterval(tick, options.tickMs ?? CCP_TICK_MS)
      timer.unref()
      tick()
    },
    close() {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      unsubscribe()
    },
    get routingTableId() {
      return log.routingTableId
    },
    get epoch() {
      return currentEpoch(log)
    },
    receivedRoutes: (peerId) => [...(peers.get(peerId)?.receiver.routes.values() ?? [])],
    advertisedRoutes: () => [...log.current.values()].map((c) => c.route),
  }
}
