/**
 * Routes the connector derives from its accounts (the CCP speaker adds its own with source 'ccp'):
 *  - `account.routes` → source 'static';
 *  - a child's address (`ilpAddress`, else `<node>.<id>`) → source 'local';
 *  - the default route '' → a parent account, source 'local' (the first one; it moves when that parent goes).
 * What was derived is remembered per account, so a change removes exactly those routes and never one that
 * someone else (the admin API, CCP) added.
 */
import type { Account } from '../accounts/types.js'
import { childAddress } from './addresses.js'
import type { Logger, NodeIdentity } from './context.js'
import type { Route, RoutingTable } from './routing-table.js'

export interface AccountRoutes {
  /** (Re)derives the routes of one account. */
  derive(account: Account): void
  /** Forgets the account's derived routes (removeAccount also drops its other routes from the table). */
  forget(accountId: string): void
  /** Points the default route at a parent, or removes it when there is none. */
  ensureDefault(): void
}

export function createAccountRoutes(options: {
  readonly self: NodeIdentity
  readonly routes: RoutingTable
  readonly accounts: ReadonlyMap<string, Account>
  readonly logger: Logger
}): AccountRoutes {
  const { self, routes, accounts, logger } = options
  const derived = new Map<string, Route[]>()

  function forget(accountId: string): void {
    for (const route of derived.get(accountId) ?? []) {
      if (routes.find(route.prefix, route.source)?.nextHop === accountId) routes.remove(route.prefix, route.source)
    }
    derived.delete(accountId)
  }

  function ensureDefault(): void {
    const current = routes.find('', 'local')
    if (current !== undefined && accounts.get(current.nextHop)?.relation === 'parent') return
    for (const account of accounts.values()) {
      if (account.relation === 'parent') return routes.add({ prefix: '', nextHop: account.id, source: 'local' })
    }
    if (current !== undefined) routes.remove('', 'local')
  }

  function derive(account: Account): void {
    forget(account.id)
    const mine: Route[] = (account.routes ?? []).map((prefix) => ({ prefix, nextHop: account.id, source: 'static' as const }))
    if (account.relation === 'child') {
      const address = childAddress(self.address, account)
      if (address !== undefined) mine.push({ prefix: address, nextHop: account.id, source: 'local' })
      else if (self.address !== '') logger.warn({ account: account.id }, 'child account id is not a valid address segment; no route to it')
    }
    for (const route of mine) routes.add(route)
    derived.set(account.id, mine)
    ensureDefault()
  }

  return { derive, forget, ensureDefault }
}
