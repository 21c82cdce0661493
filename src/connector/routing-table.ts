/**
 * The forwarding table: ILP address prefix → next-hop account, longest prefix wins (RFC 27 step 5,
 * RFC 15 "routing is longest-prefix match").
 *
 * Each prefix holds at most one route per source. When several sources name a route for the same prefix, the
 * table uses the one of highest priority: 'static' (configured) > 'local' (derived from the node's own accounts,
 * e.g. a child's `<node>.<id>`) > 'ccp' (learned from peers), the order of ilp-connector's best-route choice.
 * The CCP speaker picks its own best route among peers and installs it with source 'ccp'.
 *
 * The empty prefix '' is the default route: it covers every address.
 */
import { isAddressPrefixOf, isValidIlpAddress } from '../ilp/address.js'

export type RouteSource = 'static' | 'local' | 'ccp'

export interface Route {
  /** Address prefix, whole segments (`g.a` covers `g.a.b`, not `g.ab`); '' is the default route. */
  readonly prefix: string
  /** Account id of the next hop. */
  readonly nextHop: string
  readonly source: RouteSource
  /** CCP path (addresses of the connectors the route was advertised through), if any. */
  readonly path?: readonly string[]
}

export type RouteChange = { readonly kind: 'set'; readonly prefix: string; readonly route: Route } | { readonly kind: 'deleted'; readonly prefix: string }

export interface RoutingTable {
  /** Adds or replaces the route of `route.source` for `route.prefix`. */
  add(route: Route): void
  /** Removes the route of `source` for `prefix`; true if there was one. */
  remove(prefix: string, source: RouteSource): boolean
  /** Removes every route through `nextHop` (e.g. when its account goes away); returns how many. */
  removeNextHop(nextHop: string, source?: RouteSource): number
  /** The route in use for `prefix` exactly (the best source), if any. */
  get(prefix: string): Route | undefined
  /** The route of `source` for `prefix` exactly, whether or not it is the one in use. */
  find(prefix: string, source: RouteSource): Route | undefined
  /** Every route of every source, sorted by prefix then priority. */
  list(): Route[]
  /** The route in use for each prefix, sorted by prefix. */
  best(): Route[]
  /** Longest-prefix match for a destination address. */
  lookup(destination: string): Route | undefined
  /** Called after the route in use for a prefix changes. Returns an unsubscribe function. */
  onChange(listener: (change: RouteChange) => void): () => void
  readonly size: number
}

/** Source priority, lower wins. */
const PRIORITY: Readonly<Record<RouteSource, number>> = { static: 0, local: 1, ccp: 2 }

/** Bound on routes (each carries a prefix of ≤1023 chars, RFC 15): a peer cannot grow the table without limit. */
export const ROUTES_MAX = 100_000

interface Entry {
  /** Routes for this prefix, sorted by priority; the first is in use. */
  routes: Route[]
}

function checkPrefix(prefix: string): void {
  // '' is the default route; any other prefix is a valid address or a bare scheme such as `g` or `test`.
  if (prefix === '' || /^(g|private|example|peer|self|test[1-3]?|local)$/.test(prefix) || isValidIlpAddress(prefix)) return
  throw new RangeError(`invalid route prefix ${JSON.stringify(prefix)}`)
}

function sameRoute(a: Route | undefined, b: Route | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.nextHop === b.nextHop && a.source === b.source)
}

export function createRoutingTable(): RoutingTable {
  const entries = new Map<string, Entry>()
  const listeners = new Set<(change: RouteChange) => void>()
  let count = 0
  /** Longest prefix length present, so lookup never tries longer substrings than can match. */
  let longestPrefix = 0
  /**
   * The last lookup and its answer, dropped on every change to the table. Packets come in runs to one
   * destination (a STREAM connection, a busy peer), and the decoder hands out the same string for a repeated
   * address, so a hit is one comparison instead of slicing prefixes and hashing them.
   */
  let lastDestination: string | undefined
  let lastRoute: Route | undefined

  function notify(prefix: string, before: Route | undefined): void {
    const after = entries.get(prefix)?.routes[0]
    if (sameRoute(before, after)) return
    const change: RouteChange = after === undefined ? { kind: 'deleted', prefix } : { kind: 'set', prefix, route: after }
    for (const listener of listeners) listener(change)
  }

  function recomputeLongest(): void {
    longestPrefix = 0
    for (const prefix of entries.keys()) if (prefix.length > longestPrefix) longestPrefix = prefix.length
  }

  function add(route: Route): void {
    checkPrefix(route.prefix)
    lastDestination = undefined
    const frozen: Route = Object.freeze({ ...route, ...(route.path ? { path: Object.freeze([...route.path]) } : {}) })
    let entry = entries.get(route.prefix)
    const before = entry?.routes[0]
    if (entry === undefined) {
      entry = { routes: [] }
      entries.set(route.prefix, entry)
      if (route.prefix.length > longestPrefix) longestPrefix = route.prefix.length
    }
    const at = entry.routes.findIndex((r) => r.source === route.source)
    if (at >= 0) entry.routes[at] = frozen
    else {
      if (count >= ROUTES_MAX) throw new RangeError(`routing table is full (${ROUTES_MAX} routes)`)
      entry.routes.push(frozen)
      entry.routes.sort((a, b) => PRIORITY[a.source] - PRIORITY[b.source])
      count++
    }
    notify(route.prefix, before)
  }

  function remove(prefix: string, source: RouteSource): boolean {
    const entry = entries.get(prefix)
    if (entry === undefined) return false
    const at = entry.routes.findIndex((r) => r.source === source)
    if (at < 0) return false
    lastDestination = undefined
    const before = entry.routes[0]
    entry.routes.splice(at, 1)
    count--
    if (entry.routes.length === 0) {
      entries.delete(prefix)
      if (prefix.length === longestPrefix) recomputeLongest()
    }
    notify(prefix, before)
    return true
  }

  function removeNextHop(nextHop: string, source?: RouteSource): number {
    const doomed: Route[] = []
    for (const entry of entries.values()) {
      for (const r of entry.routes) if (r.nextHop === nextHop && (source === undefined || r.source === source)) doomed.push(r)
    }
    for (const r of doomed) remove(r.prefix, r.source)
    return doomed.length
  }

  function lookup(destination: string): Route | undefined {
    if (destination === lastDestination) return lastRoute
    const route = longestMatch(destination)
    lastDestination = destination
    lastRoute = route
    return route
  }

  function longestMatch(destination: string): Route | undefined {
    // Try the destination itself, then each shorter whole-segment prefix, then the default route.
    let end = destination.length <= longestPrefix ? destination.length : destination.lastIndexOf('.', longestPrefix)
    while (end > 0) {
      const entry = entries.get(end === destination.length ? destination : destination.slice(0, end))
      if (entry !== undefined) return entry.routes[0]
      end = destination.lastIndexOf('.', end - 1)
    }
    return entries.get('')?.routes[0]
  }

  function list(): Route[] {
    const out: Route[] = []
    for (const prefix of [...entries.keys()].sort()) out.push(...entries.get(prefix)!.routes)
    return out
  }

  function best(): Route[] {
    return [...entries.keys()].sort().map((prefix) => entries.get(prefix)!.routes[0]!)
  }

  return {
    add,
    remove,
    removeNextHop,
    get: (prefix) => entries.get(prefix)?.routes[0],
    find: (prefix, source) => entries.get(prefix)?.routes.find((r) => r.source === source),
    list,
    best,
    lookup,
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    get size() {
      return count
    },
  }
}

/** True when `route` covers `destination` (exported for callers that filter routes, e.g. CCP). */
export function routeCovers(route: Route, destination: string): boolean {
  return isAddressPrefixOf(route.prefix, destination)
}
