/**
 * The node's accounts: those of the config file (read-only at run time: the file owns them) merged with those
 * added over the admin API (kept in the AccountStore, so they survive a restart), each given its link by the
 * transports. Every change is persisted first, then applied to the connector, then announced to the transports.
 */
import type { AccountStore } from '../accounts/account-store.js'
import type { Account } from '../accounts/types.js'
import type { Connector } from '../connector/connector.js'
import type { Logger } from '../connector/context.js'
import type { Link } from '../link/types.js'
import { sharedIncomingToken } from './account-config.js'
import { NodeError } from './errors.js'
import type { RouteStore } from './route-store.js'
import type { Transport, TransportContext } from './transports.js'

export interface LinkView {
  readonly account: string
  readonly transport: string | undefined
  readonly connected: boolean
}

export interface AccountManager {
  /** Adds every config and stored account to the connector, with links. Call after the transports started. */
  load(): void
  list(): readonly Account[]
  get(id: string): Account | undefined
  isFromConfig(id: string): boolean
  add(account: Account): Promise<void>
  update(account: Account): Promise<void>
  remove(id: string): Promise<void>
  links(): LinkView[]
  /** A static route set at run time (kept in the RouteStore; re-applied when its account changes). */
  setRoute(prefix: string, nextHop: string): void
  /** Removes a static route: a run-time one for good, one from an account's `routes` until restart. */
  removeRoute(prefix: string): void
  /** For the transports: incoming links (e.g. a peer that dialled our BTP server). */
  attach(accountId: string, link: Link, transport?: string): void
  detach: TransportContext['detach']
}

export interface AccountManagerOptions {
  readonly connector: Connector
  readonly store: AccountStore
  readonly configAccounts: readonly Account[]
  readonly transports: readonly Transport[]
  readonly routes: RouteStore
  readonly logger: Logger
  /** Told of every account the connector gains, changes (`account`) or loses (undefined), e.g. for CCP peers. */
  readonly onAccountChanged?: (id: string, account: Account | undefined) => void
}

/**
 * Only these settings decide which link an account has; other changes keep the link. Keys are sorted, so the
 * same settings compare equal whichever way their object was built (config file, admin API, store).
 */
function linkSettings(account: Account | undefined): string {
  const sorted = (_key: string, value: unknown): unknown =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value
  return JSON.stringify({ btp: account?.btp, http: account?.http }, sorted)
}

export function createAccountManager(options: AccountManagerOptions): AccountManager {
  const { connector, store, transports, routes, logger } = options
  const fromConfig = new Map(options.configAccounts.map((a) => [a.id, a]))
  /** Which transport made each account's current link. */
  const linkTransport = new Map<string, string>()

  function announce(): void {
    const all = connector.accounts()
    for (const t of transports) t.accountsChanged(all)
  }

  function makeLink(account: Account): Link | undefined {
    for (const t of transports) {
      const link = t.linkFor(account)
      if (link !== undefined) {
        linkTransport.set(account.id, t.name)
        return link
      }
    }
    linkTransport.delete(account.id)
    return undefined
  }

  function addToConnector(account: Account): void {
    connector.addAccount(account)
    options.onAccountChanged?.(account.id, account)
    announce()
    const link = makeLink(account)
    if (link !== undefined) connector.setLink(account.id, link)
  }

  /** Puts back the run-time routes through `accountId` (the connector rebuilds an account's static routes). */
  function applyRoutes(accountId?: string): void {
    for (const [prefix, nextHop] of routes.entries()) {
      if (accountId !== undefined && nextHop !== accountId) continue
      if (connector.getAccount(nextHop) === undefined) logger.warn({ prefix, nextHop }, 'stored route through an unknown account; skipped')
      else connector.routes.add({ prefix, nextHop, source: 'static' })
    }
  }

  /** Replaces an account's link after its btp/http settings changed. */
  async function relink(id: string): Promise<void> {
    // Close the old link first: a transport may key its listener registration by account id.
    const old = connector.getLink(id)
    connector.setLink(id, undefined)
    await old?.close()
    // While it closed, another update may have linked the account, or a removal dropped it: then that one
    // decides. Otherwise link the account as it is now (a later update may have changed it again).
    const current = connector.getAccount(id)
    if (current === undefined || connector.getLink(id) !== undefined) return
    const link = makeLink(current)
    if (link !== undefined) connector.setLink(id, link)
  }

  function checkTokens(account: Account): void {
    const shared = sharedIncomingToken(account, connector.accounts())
    if (shared !== undefined) throw new NodeError('ACCOUNT_INVALID', `${shared}: another account uses the same token`, { field: shared })
  }

  function checkWritable(id: string): void {
    if (fromConfig.has(id)) throw new NodeError('ACCOUNT_READ_ONLY', `account "${id}" is defined in the config file; change it there`)
    if (connector.getAccount(id) === undefined) throw new NodeError('ACCOUNT_NOT_FOUND', `no account "${id}"`)
  }

  return {
    load() {
      for (const account of options.configAccounts) addToConnector(account)
      for (const account of store.list()) {
        if (fromConfig.has(account.id)) logger.warn({ account: account.id }, 'stored account shadowed by the config file; using the file')
        else addToConnector(account)
      }
      applyRoutes()
    },
    list: () => connector.accounts().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    get: (id) => connector.getAccount(id),
    isFromConfig: (id) => fromConfig.has(id),
    async add(account) {
      if (connector.getAccount(account.id) !== undefined) throw new NodeError('ACCOUNT_EXISTS', `account "${account.id}" already exists`, { field: 'id' })
      checkTokens(account)
      await store.put(account)
      addToConnector(account)
      logger.info({ account: account.id }, 'account added')
    },
    async update(account) {
      checkWritable(account.id)
      checkTokens(account)
      const before = connector.getAccount(account.id)
      await store.put(account)
      connector.updateAccount(account)
      options.onAccountChanged?.(account.id, account)
      applyRoutes(account.id)
      announce()
      if (linkSettings(before) !== linkSettings(account)) await relink(account.id)
      logger.info({ account: account.id }, 'account updated')
    },
    async remove(id) {
      checkWritable(id)
      await store.remove(id)
      await connector.removeAccount(id)
      options.onAccountChanged?.(id, undefined)
      routes.removeNextHop(id)
      linkTransport.delete(id)
      announce()
      logger.info({ account: id }, 'account removed')
    },
    links() {
      return connector.accounts().flatMap((a) => {
        const link = connector.getLink(a.id)
        return link === undefined ? [] : [{ account: a.id, transport: linkTransport.get(a.id), connected: link.connected }]
      })
    },
    setRoute(prefix, nextHop) {
      if (connector.getAccount(nextHop) === undefined) throw new NodeError('ACCOUNT_NOT_FOUND', `no account "${nextHop}"`, { field: 'next_hop' })
      connector.routes.add({ prefix, nextHop, source: 'static' })
      routes.set(prefix, nextHop)
    },
    removeRoute(prefix) {
      const stored = routes.remove(prefix)
      const inTable = connector.routes.remove(prefix, 'static')
      if (!stored && !inTable) throw new NodeError('ROUTE_NOT_FOUND', prefix === '' ? 'no static default route' : `no static route for "${prefix}"`)
    },
    attach(accountId, link, transport) {
      if (connector.getAccount(accountId) === undefined) {
        logger.warn({ account: accountId }, 'link for an unknown account; closing it')
        void link.close()
        return
      }
      const old = connector.getLink(accountId)
      connector.setLink(accountId, link)
      if (transport !== undefined) linkTransport.set(accountId, transport)
      if (old !== undefined && old !== link) void old.close()
    },
    detach(accountId, link) {
      if (connector.getAccount(accountId) !== undefined && connector.getLink(accountId) === link) connector.setLink(accountId, undefined)
    },
  }
}
