/** The node's side of the admin API (AdminBackend) and its health report. */
import type { Ledger } from '../accounts/journal.js'
import type { Connector } from '../connector/connector.js'
import type { AdminBackend, HealthReport } from './admin.js'
import type { NodeConfig } from './config.js'
import type { NodeMetrics } from './metrics.js'
import type { AccountManager } from './node-accounts.js'
import type { NodeRates } from './rates.js'
import type { NodeRouting } from './routing.js'
import type { Transport } from './transports.js'

export interface HealthParts {
  config: NodeConfig
  connector: Connector
  rates: NodeRates
  accounts: AccountManager
  transports: readonly Transport[]
  startedAt: number
  now: () => number
}

/** `ok`; `degraded` when rates are stale or a parent link is down; `starting` until the address is known. */
export function healthReport({ config, connector, rates, accounts, transports, startedAt, now }: HealthParts): HealthReport {
  const rateView = rates.view()
  const links = accounts.links()
  const parentDown = links.some((l) => !l.connected && connector.getAccount(l.account)?.relation === 'parent')
  const address = connector.address
  return {
    status: address === undefined ? 'starting' : rateView.stale === true || parentDown ? 'degraded' : 'ok',
    address: address ?? null,
    asset_code: config.assetCode,
    asset_scale: config.assetScale,
    uptime_ms: now() - startedAt,
    rates: { source: rateView.source, age_ms: rateView.age_ms, stale: rateView.stale, ...(rateView.last_error !== undefined && { last_error: rateView.last_error }) },
    links,
    listeners: Object.fromEntries(transports.filter((t) => t.url !== undefined).map((t) => [t.name, t.url])),
  }
}

export interface BackendParts {
  config: NodeConfig
  connector: Connector
  ledger: Ledger
  rates: NodeRates
  metrics: NodeMetrics
  accounts: AccountManager
  health: AdminBackend['health']
  /** Undefined when `routing.broadcast` is off. */
  routing: NodeRouting | undefined
}

/** The admin API's view of the node: every change goes through the account manager or the routing table. */
export function createBackend({ config, connector, ledger, rates, metrics, accounts, health, routing }: BackendParts): AdminBackend {
  return {
    assetDefaults: { assetCode: config.assetCode, assetScale: config.assetScale },
    health,
    listAccounts: () => accounts.list(),
    getAccount: (id) => accounts.get(id),
    addAccount: (account) => accounts.add(account),
    updateAccount: (account) => accounts.update(account),
    removeAccount: (id) => accounts.remove(id),
    balance: (id) => ledger.snapshot(id),
    async deposit(id, amount, memo) {
      await ledger.adjust(id, amount, 'adjust', memo ?? 'deposit (admin API)')
    },
    routes: () => connector.routes.list(),
    routing: () => routing?.status() ?? { broadcast: false },
    setRoute: (prefix, nextHop) => accounts.setRoute(prefix, nextHop),
    removeRoute: (prefix) => accounts.removeRoute(prefix),
    rates: () => rates.view(),
    setRates: (table) => rates.setTable(table),
    metrics: () => metrics.render(),
  }
}
