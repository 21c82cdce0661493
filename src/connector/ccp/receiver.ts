/**
 * The receiving side of CCP for one peer: the routes that peer advertised to us, as a pure state machine
 * (decide, then apply). protocol-notes §8 "State machine":
 *
 *  - every update first extends the hold-down: expiresAt = max(expiresAt, now + holdDownTime);
 *  - a new routingTableId means the peer's table restarted: our epoch goes back to 0 and, unlike
 *    ilp-connector (which keeps them), the routes of the old table are dropped — they are claims of a table
 *    that no longer exists, and the peer resends the live ones from epoch 0;
 *  - fromEpochIndex > epoch is a gap: nothing is applied, and (as interledger-rs does; ilp-connector ignores it
 *    silently) the update is refused and a SYNC control request with our table id and epoch is sent;
 *  - toEpochIndex < epoch is stale: ignored;
 *  - otherwise withdrawn prefixes are deleted, new routes set, and epoch = toEpochIndex (an update with no
 *    routes is a heartbeat that only moves the epoch and the expiry).
 * When the hold-down passes with no update, every route of the peer is dropped and epoch returns to 0 so the
 * next control request asks for the whole table again.
 */
import { CcpMode, type CcpRoute, type CcpRouteControlRequest, type CcpRouteUpdateRequest } from './packet.js'

/** The routing table id a receiver reports before it has seen any table (all zero bytes). */
export const UNKNOWN_ROUTING_TABLE_ID = '00000000-0000-0000-0000-000000000000'

export interface ReceiverState {
  routingTableId: string
  epoch: number
  /** ms since the epoch after which the peer's routes are dropped; 0 before the first update. */
  expiresAt: number
  readonly routes: Map<string, CcpRoute>
}

export function createReceiverState(): ReceiverState {
  return { routingTableId: UNKNOWN_ROUTING_TABLE_ID, epoch: 0, expiresAt: 0, routes: new Map() }
}

export type UpdateDecision =
  | { readonly kind: 'gap'; readonly expiresAt: number; readonly reset: boolean; readonly control: CcpRouteControlRequest }
  | { readonly kind: 'stale'; readonly expiresAt: number; readonly reset: boolean }
  | {
      readonly kind: 'apply'
      readonly expiresAt: number
      readonly reset: boolean
      readonly routingTableId: string
      readonly epoch: number
      readonly withdrawn: readonly string[]
      readonly added: readonly CcpRoute[]
    }

/**
 * Decides what an update does to `state`, without changing it. `accept` is the import filter: routes it
 * refuses are treated as withdrawn (so a route that stops passing the filter does not linger).
 */
export function decideUpdate(state: ReceiverState, update: CcpRouteUpdateRequest, now: number, accept: (route: CcpRoute) => boolean): UpdateDecision {
  const expiresAt = Math.max(state.expiresAt, now + update.holdDownTime)
  const reset = update.routingTableId !== state.routingTableId
  const epoch = reset ? 0 : state.epoch
  if (update.fromEpochIndex > epoch) {
    const control = controlRequest(update.routingTableId, epoch)
    return { kind: 'gap', expiresAt, reset, control }
  }
  if (update.toEpochIndex < epoch) return { kind: 'stale', expiresAt, reset }
  const withdrawn = [...update.withdrawnRoutes]
  const added: CcpRoute[] = []
  for (const route of update.newRoutes) {
    if (accept(route)) added.push(route)
    else withdrawn.push(route.prefix)
  }
  return { kind: 'apply', expiresAt, reset, routingTableId: update.routingTableId, epoch: update.toEpochIndex, withdrawn, added }
}

/**
 * Applies a decision; returns the prefixes whose route from this peer changed (the caller re-picks the best
 * route for each). On a reset the old table's prefixes are among them.
 */
export function applyUpdate(state: ReceiverState, decision: UpdateDecision): string[] {
  state.expiresAt = decision.expiresAt
  const changed = new Set<string>()
  if (decision.reset && decision.kind === 'apply') {
    for (const prefix of state.routes.keys()) changed.add(prefix)
    state.routes.clear()
    state.routingTableId = decision.routingTableId
  } else if (decision.reset) {
    // A gap or stale update from a new table: forget the old table; the control request asks for the new one.
    for (const prefix of state.routes.keys()) changed.add(prefix)
    state.routes.clear()
    state.routingTableId = decision.kind === 'gap' ? decision.control.lastKnownRoutingTableId : state.routingTableId
    state.epoch = 0
  }
  if (decision.kind !== 'apply') return [...changed]
  for (const prefix of decision.withdrawn) if (state.routes.delete(prefix)) changed.add(prefix)
  for (const route of decision.added) {
    state.routes.set(route.prefix, route)
    changed.add(route.prefix)
  }
  state.epoch = decision.epoch
  return [...changed]
}

/** True once the hold-down has passed since the last update (never before the first one). */
export function isExpired(state: ReceiverState, now: number): boolean {
  return state.expiresAt !== 0 && now > state.expiresAt
}

/** Drops every route of an expired peer; returns their prefixes. The table id is kept, epoch goes to 0. */
export function expire(state: ReceiverState): string[] {
  const prefixes = [...state.routes.keys()]
  state.routes.clear()
  state.epoch = 0
  state.expiresAt = 0
  return prefixes
}

export function controlRequest(routingTableId: string, epoch: number, mode: CcpMode = CcpMode.Sync): CcpRouteControlRequest {
  return { mode, lastKnownRoutingTableId: routingTableId, lastKnownEpoch: epoch, features: [] }
}

/** The control request this receiver sends to (re)start the peer's updates. */
export function syncRequest(state: ReceiverState): CcpRouteControlRequest {
  return controlRequest(state.routingTableId, state.epoch)
}
