/**
 * Route policy, as ilp-connector applies it (protocol-notes §8 "Route handling"): which received routes we
 * import, which of several peers' routes to a prefix we use, and which of our routes we export to whom.
 * Pure functions; the service calls them.
 */
import { createHash, createHmac } from 'node:crypto'
import { addressScheme, isAddressPrefixOf, isValidIlpAddress } from '../../ilp/address.js'
import type { CcpRoute } from './packet.js'

export type PeerRelation = 'parent' | 'peer' | 'child'

/** ilp-connector's relation weights for the best-route choice: child > peer > parent. */
const RELATION_WEIGHT: Readonly<Record<PeerRelation, number>> = { parent: 0, peer: 1, child: 2 }

/**
 * Import filter: the prefix must be a routable address in our own network (same scheme as our address, and
 * longer than the bare scheme), and the path must not contain our address (the route loops through us).
 */
export function acceptRoute(route: CcpRoute, ownAddress: string): boolean {
  if (ownAddress === '' || !isValidIlpAddress(route.prefix)) return false
  if (addressScheme(route.prefix) !== addressScheme(ownAddress)) return false
  return !route.path.includes(ownAddress)
}

export interface Candidate {
  readonly peerId: string
  readonly relation: PeerRelation
  readonly route: CcpRoute
}

/** ilp-connector's order among learned routes: higher relation weight, then shorter path, then lower account id. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  const weight = RELATION_WEIGHT[b.relation] - RELATION_WEIGHT[a.relation]
  if (weight !== 0) return weight
  const path = a.route.path.length - b.route.path.length
  if (path !== 0) return path
  return a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0
}

export function bestCandidate(candidates: Iterable<Candidate>): Candidate | undefined {
  let best: Candidate | undefined
  for (const c of candidates) if (best === undefined || compareCandidates(c, best) < 0) best = c
  return best
}

/**
 * Forwarding-table filter (what goes into our epoch log at all): never the default route, nothing outside our
 * network, nothing under our own address (our own address route covers our children).
 */
export function isExportable(prefix: string, ownAddress: string): boolean {
  if (prefix === '' || ownAddress === '' || !isValidIlpAddress(prefix)) return false
  if (addressScheme(prefix) !== addressScheme(ownAddress)) return false
  return prefix === ownAddress || !isAddressPrefixOf(ownAddress, prefix)
}

/**
 * Per-peer export filter: never send a peer its own routes, and never advertise routes through a peer or
 * parent to a parent (we do not offer transit to our parent).
 */
export function mayAdvertiseTo(peer: { id: string; relation: PeerRelation }, nextHop: string, nextHopRelation: PeerRelation | undefined): boolean {
  if (nextHop === peer.id) return false
  if (peer.relation === 'parent' && (nextHopRelation === 'peer' || nextHopRelation === 'parent')) return false
  return true
}

/** `auth` of a route we originate: HMAC-SHA256(routingSecret, prefix), as ilp-connector computes it. */
export function originAuth(routingSecret: Uint8Array, prefix: string): Uint8Array {
  return new Uint8Array(createHmac('sha256', routingSecret).update(prefix, 'ascii').digest())
}

/** `auth` of a route we pass on: SHA-256 of the auth we received. */
export function forwardAuth(auth: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(auth).digest())
}
