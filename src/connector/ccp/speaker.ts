/**
 * The sending side of CCP (protocol-notes §8): one epoch log of our advertised routes, shared by all peers,
 * and per peer a small sender state machine. Pure state and decisions; the service does the I/O.
 *
 * Epoch log (as ilp-connector's forwarding routing table): every change of the route we advertise for a prefix
 * appends one epoch `{prefix, route | withdrawn}`; the entry it supersedes is nulled, so an update that spans
 * both carries only the latest. An update for a peer covers log epochs [from, to) with to - from ≤ 50.
 *
 * Sender (per peer): IDLE until the peer sends a SYNC control request. In SYNC it sends an update at once when
 * the peer is behind (at most one every `minUpdateGapMs`) and a heartbeat every `broadcastIntervalMs`. It
 * advances the peer's lastKnownEpoch optimistically when it sends and rolls it back if the update fails,
 * unless a control request moved it meanwhile.
 */
import { CcpMode, type CcpRouteControlRequest, type CcpRouteUpdateRequest } from './packet.js'
import { mayAdvertiseTo, type PeerRelation } from './routes.js'

/** ilp-connector `MAX_EPOCHS_PER_UPDATE`. */
export const CCP_MAX_EPOCHS_PER_UPDATE = 50
/** ilp-connector `routeBroadcastInterval` default: heartbeat period. */
export const CCP_BROADCAST_INTERVAL_MS = 30_000
/** ilp-connector's minimum gap between two updates to one peer. */
export const CCP_MIN_UPDATE_GAP_MS = 150
/** ilp-connector `routeExpiry` default, sent as holdDownTime (interledger-rs uses 30 s). */
export const CCP_HOLD_DOWN_TIME_MS = 45_000

export interface AdvertisedRoute {
  readonly prefix: string
  /** Account the route goes through; '' for a route we originate. */
  readonly nextHop: string
  /** As advertised: our address first. */
  readonly path: readonly string[]
  readonly auth: Uint8Array
}

interface LogEntry {
  readonly prefix: string
  readonly route: AdvertisedRoute | undefined
}

export interface EpochLog {
  readonly routingTableId: string
  /** Index = epoch; null = superseded by a later epoch for the same prefix. */
  readonly entries: (LogEntry | null)[]
  /** The route advertised now for each prefix, with the epoch that set it. */
  readonly current: Map<string, { route: AdvertisedRoute; epoch: number }>
}

export function createEpochLog(routingTableId: string): EpochLog {
  return { routingTableId, entries: [], current: new Map() }
}

export function currentEpoch(log: EpochLog): number {
  return log.entries.length
}

function sameRoute(a: AdvertisedRoute | undefined, b: AdvertisedRoute | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  if (a.nextHop !== b.nextHop || a.path.length !== b.path.length || a.auth.length !== b.auth.length) return false
  for (let i = 0; i < a.path.length; i++) if (a.path[i] !== b.path[i]) return false
  for (let i = 0; i < a.auth.length; i++) if (a.auth[i] !== b.auth[i]) return false
  return true
}

/**
 * Sets (or with undefined, withdraws) the advertised route of a prefix. Appends an epoch when that changes
 * what we advertise; returns whether it did.
 */
export function setAdvertised(log: EpochLog, prefix: string, route: AdvertisedRoute | undefined): boolean {
  const previous = log.current.get(prefix)
  if (sameRoute(previous?.route, route)) return false
  const epoch = log.entries.length
  if (previous !== undefined) log.entries[previous.epoch] = null
  log.entries.push({ prefix, route })
  if (route === undefined) log.current.delete(prefix)
  else log.current.set(prefix, { route, epoch })
  return true
}

/**
 * The log keeps one entry per change forever (superseded ones as nulls). Past this many epochs, when most are
 * superseded, the service starts a new table holding only the live routes (peers resync from its epoch 0).
 */
export const CCP_EPOCH_LOG_MAX = 1_000_000

export function needsCompaction(log: EpochLog, max = CCP_EPOCH_LOG_MAX): boolean {
  return log.entries.length > max && log.current.size * 2 < log.entries.length
}

/** A new log under `routingTableId` with one epoch per live route, in the order they were last set. */
export function compactLog(log: EpochLog, routingTableId: string): EpochLog {
  const next = createEpochLog(routingTableId)
  const live = [...log.current.values()].sort((a, b) => a.epoch - b.epoch)
  for (const { route } of live) setAdvertised(next, route.prefix, route)
  return next
}

// ---------------------------------------------------------------------------------------------- sender

export type SenderState =
  | { readonly mode: 'idle' }
  | {
      readonly mode: 'sync'
      readonly lastKnownEpoch: number
      /** The epoch before the update in flight was sent, to roll back to; undefined when none is in flight. */
      readonly rollbackEpoch: number | undefined
      readonly lastSentAt: number
      /** After a failed update, nothing is sent before this time. */
      readonly retryAt: number
    }

export const SENDER_IDLE: SenderState = { mode: 'idle' }

/** A control request from the peer: a different table id restarts it from epoch 0 (it has none of ours). */
export function onControl(state: SenderState, request: CcpRouteControlRequest, log: EpochLog): SenderState {
  if (request.mode === CcpMode.Idle) return SENDER_IDLE
  const known = request.lastKnownRoutingTableId === log.routingTableId ? request.lastKnownEpoch : 0
  const lastKnownEpoch = Math.min(known, currentEpoch(log))
  const lastSentAt = state.mode === 'sync' ? state.lastSentAt : 0
  return { mode: 'sync', lastKnownEpoch, rollbackEpoch: undefined, lastSentAt, retryAt: 0 }
}

export interface SendTiming {
  readonly broadcastIntervalMs: number
  readonly minUpdateGapMs: number
}

/** Whether an update (or a heartbeat) is due now. */
export function isUpdateDue(state: SenderState, log: EpochLog, now: number, timing: SendTiming): boolean {
  if (state.mode !== 'sync' || state.rollbackEpoch !== undefined || now < state.retryAt) return false
  const since = now - state.lastSentAt
  if (since >= timing.broadcastIntervalMs) return true
  return state.lastKnownEpoch < currentEpoch(log) && since >= timing.minUpdateGapMs
}

export interface PeerView {
  readonly id: string
  readonly relation: PeerRelation
}

export interface UpdateContext {
  readonly ownAddress: string
  readonly holdDownTimeMs: number
  /** Relation of the account a route goes through (undefined for our own routes). */
  readonly relationOf: (accountId: string) => PeerRelation | undefined
}

/** The update covering [lastKnownEpoch, lastKnownEpoch + ≤50) for `peer`, after the per-peer export filter. */
export function buildUpdate(lastKnownEpoch: number, log: EpochLog, peer: PeerView, ctx: UpdateContext): CcpRouteUpdateRequest {
  const current = currentEpoch(log)
  const from = Math.min(lastKnownEpoch, current)
  const to = Math.min(from + CCP_MAX_EPOCHS_PER_UPDATE, current)
  const newRoutes: CcpRouteUpdateRequest['newRoutes'][number][] = []
  const withdrawnRoutes: string[] = []
  for (let epoch = from; epoch < to; epoch++) {
    const entry = log.entries[epoch]
    if (entry === null || entry === undefined) continue
    const route = entry.route
    if (route !== undefined && mayAdvertiseTo(peer, route.nextHop, route.nextHop === '' ? undefined : ctx.relationOf(route.nextHop))) {
      newRoutes.push({ prefix: route.prefix, path: route.path, auth: route.auth, props: [] })
    } else {
      withdrawnRoutes.push(entry.prefix)
    }
  }
  return {
    routingTableId: log.routingTableId,
    currentEpochIndex: current,
    fromEpochIndex: from,
    toEpochIndex: to,
    holdDownTime: ctx.holdDownTimeMs,
    speaker: ctx.ownAddress,
    newRoutes,
    withdrawnRoutes,
  }
}

/** Applied when an update is sent: optimistic advance to its toEpochIndex. */
export function onSent(state: SenderState, update: CcpRouteUpdateRequest, now: number): SenderState {
  if (state.mode !== 'sync') return state
  return { ...state, lastKnownEpoch: update.toEpochIndex, rollbackEpoch: state.lastKnownEpoch, lastSentAt: now }
}

/**
 * Applied when the update's answer arrives. On failure the epoch rolls back, unless a control request changed
 * it meanwhile, and nothing more is sent for `retryMs`.
 */
export function onResult(state: SenderState, update: CcpRouteUpdateRequest, ok: boolean, now: number, retryMs: number): SenderState {
  if (state.mode !== 'sync' || state.rollbackEpoch === undefined) return state
  if (ok) return { ...state, rollbackEpoch: undefined }
  const lastKnownEpoch = state.lastKnownEpoch === update.toEpochIndex ? state.rollbackEpoch : state.lastKnownEpoch
  return { ...state, lastKnownEpoch, rollbackEpoch: undefined, retryAt: now + retryMs }
}
