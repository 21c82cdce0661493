/**
 * CCP route exchange in the node (config `routing`, docs/configuration.md): one CCP service over the
 * connector's routing table, answering `peer.route.*`, with every account as a CCP peer. Who exchanges routes
 * follows the account's relation unless it sets `routing.send_routes` / `routing.receive_routes`.
 *
 * Beyond the library's wiring (src/connector/ccp/README.md) the node adds two things:
 *  - link watching, as ilp-connector does on its plugins' connect/disconnect: when a peer's link comes up (or is
 *    replaced by a new connection) its routes are asked for at once rather than at the next 30 s retry; when it
 *    goes down, the routes learned from it are dropped rather than kept until they expire;
 *  - a guard on our own address space: a learned route for our address, or under it, is refused unless its next
 *    hop is the child that owns that part (a peer cannot capture the traffic of our children).
 */
import type { Account } from '../accounts/types.js'
import { childAddress } from '../connector/addresses.js'
import { createCcpService, CCP_TICK_MS, type CcpPeer, type CcpRoutingTable, type CcpService } from '../connector/ccp/index.js'
import type { Connector } from '../connector/connector.js'
import type { Logger } from '../connector/context.js'
import { isAddressPrefixOf } from '../ilp/address.js'
import type { IlpPrepare, IlpReply } from '../ilp/types.js'
import type { Link } from '../link/types.js'
import type { RoutingConfig } from './config.js'

export interface NodeRouting {
  readonly service: CcpService
  /** An account was added or changed (`account`) or removed (undefined). */
  accountChanged(id: string, account: Account | undefined): void
  /** `GET /routing`: our routing table id and epoch, what we advertise, and each CCP peer's state. */
  status(): RoutingStatus
  start(): void
  close(): void
}

export interface RoutingStatus {
  readonly broadcast: boolean
  readonly routing_table_id?: string
  readonly epoch?: number
  readonly advertised?: readonly { prefix: string; path: readonly string[] }[]
  readonly peers?: readonly {
    account: string
    relation: string
    send_routes: boolean
    receive_routes: boolean
    link_up: boolean
    routes_received: number
  }[]
}

export interface NodeRoutingOptions {
  readonly config: RoutingConfig
  readonly connector: Connector
  readonly logger: Logger
  readonly now: () => number
  /** How often expiries, requests, updates and link states are checked. Default CCP_TICK_MS. */
  readonly tickMs?: number
}

function ccpPeer(account: Account): CcpPeer {
  return {
    id: account.id,
    relation: account.relation,
    ...(account.sendRoutes !== undefined && { sendRoutes: account.sendRoutes }),
    ...(account.receiveRoutes !== undefined && { receiveRoutes: account.receiveRoutes }),
  }
}

/** What decides a peer's CCP behaviour; any other account change keeps its routing state. */
function peerKey(peer: CcpPeer): string {
  return `${peer.relation}/${String(peer.sendRoutes)}/${String(peer.receiveRoutes)}`
}

/** The routing table as CCP sees it, refusing learned routes into our own address space (see the top). */
function guardedTable(connector: Connector): CcpRoutingTable {
  const table = connector.routes
  return {
    add(route) {
      const own = connector.address ?? ''
      if (own !== '' && isAddressPrefixOf(own, route.prefix)) {
        const hop = connector.getAccount(route.nextHop)
        const owned = hop?.relation === 'child' ? childAddress(own, hop) : undefined
        if (owned === undefined || !isAddressPrefixOf(owned, route.prefix)) {
          throw new RangeError(`${route.prefix} is in our own address space and ${route.nextHop} is not the child that owns it`)
        }
      }
      table.add(route)
    },
    remove: (prefix, source) => table.remove(prefix, source),
    get: (prefix) => table.get(prefix),
    best: () => table.best(),
    onChange: (listener) => table.onChange(listener),
  }
}

/** A CCP Prepare to an account's peer; a link that throws synchronously becomes a rejected promise like any failure. */
async function sendTo(connector: Connector, accountId: string, prepare: IlpPrepare): Promise<IlpReply> {
  const link = connector.getLink(accountId)
  if (link === undefined) throw new Error(`no link to account ${accountId}`)
  return link.send(prepare)
}

export function createNodeRouting(options: NodeRoutingOptions): NodeRouting {
  const { config, connector, logger, now } = options
  const service = createCcpService({
    self: {
      get address() {
        return connector.address ?? ''
      },
    },
    routes: guardedTable(connector),
    send: (id, prepare) => sendTo(connector, id, prepare),
    now,
    logger,
    broadcastIntervalMs: config.broadcastIntervalMs,
    holdDownTimeMs: config.routeExpiryMs,
    ...(config.routingSecret !== undefined && { routingSecret: new Uint8Array(Buffer.from(config.routingSecret, 'base64')) }),
  })
  const peers = new Map<string, CcpPeer>()
  /** Each peer's link as last seen by the tick. */
  const seen = new Map<string, { readonly link: Link | undefined; readonly up: boolean }>()
  let timer: NodeJS.Timeout | undefined

  /** Tells CCP of each peer whose link came up, was replaced by a new connection, or went down since the last tick. */
  function watchLinks(): void {
    for (const peer of peers.values()) {
      const link = connector.getLink(peer.id)
      const current = { link, up: link?.connected === true }
      const before = seen.get(peer.id)
      seen.set(peer.id, current)
      if (before === undefined || (before.up === current.up && (!current.up || before.link === current.link))) continue
      logger.debug({ peer: peer.id, up: current.up }, 'link of a CCP peer changed')
      service.peerLinkChanged(peer.id, current.up)
    }
  }

  function tick(): void {
    try {
      watchLinks()
      service.tick()
    } catch (err) {
      // A bug here must not take the node down from a timer; packets keep flowing on the routes we have.
      logger.error({ err }, 'route exchange tick failed')
    }
  }

  return {
    service,
    accountChanged(id, account) {
      if (account === undefined) {
        peers.delete(id)
        seen.delete(id)
        service.removePeer(id)
        return
      }
      const peer = ccpPeer(account)
      const before = peers.get(id)
      if (before !== undefined && peerKey(before) === peerKey(peer)) return
      peers.set(id, peer)
      service.addPeer(peer)
    },
    status() {
      const sorted = [...peers.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
      return {
        broadcast: true,
        routing_table_id: service.routingTableId,
        epoch: service.epoch,
        advertised: service.advertisedRoutes().map((r) => ({ prefix: r.prefix, path: r.path })),
        peers: sorted.map((peer) => ({
          account: peer.id,
          relation: peer.relation,
          send_routes: peer.sendRoutes ?? peer.relation !== 'child',
          receive_routes: peer.receiveRoutes ?? peer.relation !== 'child',
          link_up: connector.getLink(peer.id)?.connected === true,
          routes_received: service.receivedRoutes(peer.id).length,
        })),
      }
    },
    start() {
      if (timer !== undefined) return
      timer = setInterval(tick, options.tickMs ?? CCP_TICK_MS)
      timer.unref()
      tick()
    },
    close() {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      service.close()
    },
  }
}
