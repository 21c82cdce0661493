/**
 * `createNode(config)`: the composition root. It wires, in order: store → ledger + account store, rates,
 * connector (with the metrics observer), transports (links by account settings), accounts (config merged with
 * those added at run time, each a CCP peer of the route exchange unless `routing.broadcast` is off), the
 * parent's ILDCP (when ilp_address is unset), and the admin API.
 * Nothing listens until start(); stop() undoes start() and closes the store.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { pino, type Logger as PinoLogger } from 'pino'
import { createAccountStore, createSqliteAccountStore, type AccountStore } from '../accounts/account-store.js'
import type { Ledger } from '../accounts/journal.js'
import { createMemoryLedger } from '../accounts/memory-ledger.js'
import { createSqliteLedger } from '../accounts/sqlite-ledger.js'
import type { CcpService } from '../connector/ccp/index.js'
import { createConnector, type Connector } from '../connector/connector.js'
import { createTurnClock } from '../connector/turn-clock.js'
import { isValidIlpAddress } from '../ilp/address.js'
import { Ratio } from '../money/index.js'
import { startAdminServer, type AdminServer } from './admin.js'
import { randomTestAddress, type NodeConfig } from './config.js'
import { NodeError } from './errors.js'
import { createBackend, healthReport } from './node-backend.js'
import { learnAddress } from './ildcp-client.js'
import { createMetrics, type NodeMetrics } from './metrics.js'
import { createAccountManager, type AccountManager } from './node-accounts.js'
import { createNodeRates, type NodeRates } from './rates.js'
import { createRouteStore } from './route-store.js'
import { createNodeRouting } from './routing.js'
import { defaultTransports } from './transport-registry.js'
import type { Transport, TransportFactory } from './transports.js'

/** What a plugin may use of the node it extends (created after the connector, before start). */
export interface NodePluginContext {
  readonly config: NodeConfig
  readonly connector: Connector
  readonly ledger: Ledger
  readonly logger: PinoLogger
  readonly now: () => number
  /** Listener URL of a transport ('http', 'btp'), known once the node started. */
  listenerUrl(transport: string): string | undefined
}

/**
 * An extension of the node (e.g. local STREAM receivers and payments, src/spsp/local.ts): a transport offered
 * to the accounts after the built-in ones, routes on the admin API, and its own shutdown.
 */
export interface NodePlugin {
  readonly name: string
  readonly transport?: Transport
  registerAdmin?(app: FastifyInstance): void | Promise<void>
  /** Non-ILP requests on the HTTP listener (e.g. SPSP); resolve true when answered, false to pass. */
  httpRequest?(req: IncomingMessage, res: ServerResponse): Promise<boolean>
  /** Called after the connector closed, before the ledger does. */
  stop?(): Promise<void> | void
}

export type NodePluginFactory = (ctx: NodePluginContext) => NodePlugin

export interface NodeOptions {
  /** Transports to offer accounts (default: defaultTransports, i.e. BTP and ILP over HTTP). */
  readonly transports?: readonly TransportFactory[]
  readonly plugins?: readonly NodePluginFactory[]
  readonly now?: () => number
  /** Default: pino at config.logLevel on stdout. */
  readonly logger?: PinoLogger
}

export interface IlpNode {
  readonly config: NodeConfig
  readonly connector: Connector
  readonly ledger: Ledger
  readonly accountStore: AccountStore
  readonly accounts: AccountManager
  readonly rates: NodeRates
  readonly metrics: NodeMetrics
  readonly logger: PinoLogger
  /** CCP route exchange; undefined when `routing.broadcast` is off. */
  readonly routing: CcpService | undefined
  /** The node's address; undefined until learned from the parent. */
  readonly address: string | undefined
  /** `http://host:port` of the admin API once started. */
  readonly adminUrl: string | undefined
  /** Listener URL of a transport (e.g. 'btp' → `ws://127.0.0.1:7768`), once started. */
  listenerUrl(transport: string): string | undefined
  /** Resolves when the node has an address (at once if configured; after ILDCP otherwise). */
  addressKnown(): Promise<string>
  /**
   * Reads the TLS listeners' certificate files again and serves new connections with them (open ones keep
   * theirs): for renewed certificates, on SIGHUP. Returns the listeners reloaded; throws a ConfigError, changing
   * nothing, if any file cannot be read or a key does not match its certificate.
   */
  reloadTls(): string[]
  start(): Promise<void>
  stop(): Promise<void>
}

function openStore(config: NodeConfig, now: () => number): { ledger: Ledger; accountStore: AccountStore } {
  if (config.store.kind === 'memory') return { ledger: createMemoryLedger({ now }), accountStore: createAccountStore() }
  mkdirSync(dirname(config.store.path), { recursive: true })
  return { ledger: createSqliteLedger({ path: config.store.path, now }), accountStore: createSqliteAccountStore({ path: config.store.path }) }
}

/**
 * The address of a node that has neither ilp_address nor a parent: a random `test.` address, kept beside a
 * sqlite store (`<store>.address`) so that it and its children's addresses stay the same across restarts.
 */
function generatedAddress(config: NodeConfig): string {
  if (config.store.kind !== 'sqlite') return randomTestAddress()
  const file = `${config.store.path}.address`
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim()
    if (isValidIlpAddress(saved)) return saved
  }
  const address = randomTestAddress()
  writeFileSync(file, `${address}\n`)
  return address
}

const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost']

function parseSpread(spread: string): Ratio {
  const ratio = Ratio.fromDecimal(spread)
  if (ratio.compare(Ratio.ONE) >= 0) throw new NodeError('BAD_REQUEST', `spread: must be below 1, got ${spread}`, { field: 'spread' })
  return ratio
}

export function createNode(config: NodeConfig, options: NodeOptions = {}): IlpNode {
  // One clock read per turn of the event loop (turn-clock.ts): a turn routes a whole socket read of packets.
  const now = options.now ?? createTurnClock()
  const logger = options.logger ?? pino({ name: 'ilp-node', level: config.logLevel })
  const parents = config.accounts.filter((a) => a.relation === 'parent')
  const needsIldcp = config.ilpAddress === undefined && parents.length > 0
  const spread = parseSpread(config.spread)
  const routeStore = createRouteStore(config.store)
  const { ledger, accountStore } = openStore(config, now)
  const rates = createNodeRates(config, now, logger)
  // Read at scrape time only, when `manager` exists.
  const metrics = createMetrics({
    balances: () => manager.list().map((a) => ({ accountId: a.id, assetCode: a.assetCode, snapshot: ledger.snapshot(a.id) })),
    links: () => manager.links().map((l) => ({ accountId: l.account, connected: l.connected })),
    rates: () => ({ ageMs: rates.snapshot().ageMs ?? 0, stale: rates.snapshot().stale }),
  })
  const connector = createConnector({
    ...(config.ilpAddress !== undefined && { address: config.ilpAddress }),
    ...(config.ilpAddress === undefined && !needsIldcp && { address: generatedAddress(config) }),
    assetCode: config.assetCode,
    assetScale: config.assetScale,
    ledger,
    rates,
    spread,
    minMessageWindowMs: config.minMessageWindowMs,
    maxHoldTimeMs: config.maxHoldTimeMs,
    now,
    logger,
    observer: metrics,
  })
  const routing = config.routing.broadcast ? createNodeRouting({ config: config.routing, connector, logger, now }) : undefined
  if (routing !== undefined) connector.setPeerHandler('peer.route', routing.service.handle)
  const transports: Transport[] = (options.transports ?? defaultTransports).flatMap((make) => make(config) ?? [])
  const listenerUrl = (name: string) => transports.find((t) => t.name === name)?.url
  const plugins = (options.plugins ?? []).map((make) => make({ config, connector, ledger, logger, now, listenerUrl }))
  /** The plugins' HTTP handlers in order; the first to answer wins. */
  const pluginHttpRequest = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    for (const p of plugins) if (p.httpRequest !== undefined && (await p.httpRequest(req, res))) return true
    return false
  }
  for (const plugin of plugins) if (plugin.transport !== undefined) transports.push(plugin.transport)
  const manager = createAccountManager({ connector, store: accountStore, configAccounts: config.accounts, transports, routes: routeStore, logger, onAccountChanged: routing?.accountChanged })
  const startedAt = now()
  const stopping = new AbortController()
  const addressWaiters: ((address: string) => void)[] = []
  let admin: AdminServer | undefined
  let state: 'created' | 'started' | 'stopped' = 'created'

  function setAddress(address: string): void {
    connector.setAddress(address)
    for (const resolve of addressWaiters.splice(0)) resolve(address)
  }

  async function learnFromParent(): Promise<void> {
    const parent = parents[0]!
    const learned = await learnAddress({
      link: () => connector.getLink(parent.id),
      now,
      signal: stopping.signal,
      onError: (err) => logger.warn({ err, account: parent.id }, 'ILDCP request to the parent failed; retrying'),
    })
    if (learned === undefined) return
    if (learned.assetCode !== parent.assetCode || learned.assetScale !== parent.assetScale) {
      logger.warn({ account: parent.id, learned }, 'the parent reports a different asset than the account config')
    }
    setAddress(learned.clientAddress)
    logger.info({ address: learned.clientAddress, parent: parent.id }, 'address learned from the parent by ILDCP')
  }

  const health = () => healthReport({ config, connector, rates, accounts: manager, transports, startedAt, now })
  const backend = createBackend({ config, connector, ledger, rates, metrics, accounts: manager, health, routing })

  async function startParts(): Promise<void> {
    for (const t of transports) {
      await t.start({
        log: logger,
        address: () => connector.address ?? '',
        attach: (accountId, link) => manager.attach(accountId, link, t.name),
        detach: (accountId, link) => manager.detach(accountId, link),
        httpRequest: pluginHttpRequest,
      })
    }
    manager.load()
    routing?.start()
    const extend = plugins.flatMap((p) => (p.registerAdmin === undefined ? [] : [(app: FastifyInstance) => p.registerAdmin!(app)]))
    admin = await startAdminServer({
      backend,
      token: config.admin.token,
      listen: config.admin.listen,
      extend,
      onInternalError: (err) => logger.error({ err }, 'admin API request failed'),
    })
    if (!LOOPBACK_HOSTS.includes(config.admin.listen.host)) {
      logger.warn({ admin: admin.url }, 'the admin API listens beyond loopback: keep its token secret and put TLS in front of it')
    }
    if (needsIldcp) void learnFromParent()
    logger.info({ address: connector.address, admin: admin.url, accounts: manager.list().length }, 'node started')
  }

  async function stop(): Promise<void> {
    if (state === 'stopped') return
    state = 'stopped'
    stopping.abort()
    await admin?.close()
    routing?.close()
    await connector.close()
    await Promise.allSettled(transports.map((t) => t.stop()))
    for (const plugin of plugins) await plugin.stop?.()
    rates.close()
    await ledger.close()
    await accountStore.close()
    logger.info({}, 'node stopped')
  }

  return {
    config,
    connector,
    ledger,
    accountStore,
    accounts: manager,
    rates,
    metrics,
    logger,
    routing: routing?.service,
    get address() {
      return connector.address
    },
    get adminUrl() {
      return admin?.url
    },
    listenerUrl,
    reloadTls() {
      // Every listener's files are read and checked before any is put in use: all or nothing.
      const ready = transports.flatMap((t) => {
        const apply = t.prepareTlsReload?.()
        return apply === undefined ? [] : [{ name: t.name, apply }]
      })
      for (const { apply } of ready) apply()
      if (ready.length > 0) logger.info({ listeners: ready.map((r) => r.name) }, 'TLS certificates reloaded')
      return ready.map((r) => r.name)
    },
    addressKnown() {
      const address = connector.address
      return address !== undefined ? Promise.resolve(address) : new Promise((resolve) => addressWaiters.push(resolve))
    },
    async start() {
      if (state !== 'created') throw new Error(`node already ${state}`)
      state = 'started'
      try {
        await startParts()
      } catch (err) {
        // A port in use or a bad store must not leave half a node listening.
        await stop()
        throw err
      }
    },
    stop,
  }
}
