/**
 * A three-node Interledger network over loopback links, for the network-* tests:
 *
 *   user ─▶ A (test.a? learned by ILDCP, USD/2) ─▶ B (test.b, router, USD→EUR 0.92) ─▶ C (test.c, EUR/4) ─▶ shop
 *
 * A is B's child and learns its address from B by ILDCP. B and C are peers. `shop` is C's child whose link ends
 * in a receiver that fulfills the conditions it knows.
 */
import { createMemoryLedger, type Ledger } from '../src/accounts/index.js'
import type { Account } from '../src/accounts/types.js'
import { createConnector, createStaticRates, type Connector } from '../src/connector/index.js'
import { fulfillingReceiver, testAccount, type Secret } from '../src/connector/testing.js'
import { ildcpRequest, ildcpResponseFromFulfill } from '../src/ilp/ildcp.js'
import { isFulfill, type IlpPrepare } from '../src/ilp/types.js'
import { createLoopbackLinkPair, type LoopbackLink, type LoopbackOptions } from '../src/link/loopback.js'

export interface Network {
  readonly a: Connector
  readonly b: Connector
  readonly c: Connector
  readonly ledgers: { a: Ledger; b: Ledger; c: Ledger }
  /** B's end of the B–C link (faults set here apply to the whole link). */
  readonly bc: LoopbackLink
  /** The receiver's end of C–shop. */
  readonly shop: LoopbackLink
  /** Prepares the shop received. */
  readonly received: IlpPrepare[]
  close(): Promise<void>
}

export interface NetworkOptions {
  readonly minMessageWindowMs?: number
  readonly ledgerB?: Ledger
  readonly link?: LoopbackOptions
}

export async function threeNodes(secrets: Secret[], options: NetworkOptions = {}): Promise<Network> {
  const window = options.minMessageWindowMs ?? 1_000
  const usd = (id: string, extra: Partial<Account> = {}) => testAccount(id, { assetCode: 'USD', assetScale: 2, ...extra })
  const eur = (id: string, extra: Partial<Account> = {}) => testAccount(id, { assetCode: 'EUR', assetScale: 4, ...extra })
  const ledgers = { a: createMemoryLedger(), b: options.ledgerB ?? createMemoryLedger(), c: createMemoryLedger() }
  const rates = createStaticRates({ USD: '1', EUR: '0.92' }, 'USD')
  const common = { minMessageWindowMs: window, rates }
  const a = createConnector({ assetCode: 'USD', assetScale: 2, ledger: ledgers.a, ...common })
  const b = createConnector({ address: 'test.b', assetCode: 'USD', assetScale: 2, ledger: ledgers.b, ...common })
  const c = createConnector({ address: 'test.c', assetCode: 'EUR', assetScale: 4, ledger: ledgers.c, ...common })

  const [ab, ba] = createLoopbackLinkPair(options.link)
  const [bc, cb] = createLoopbackLinkPair(options.link)
  const [cShop, shop] = createLoopbackLinkPair(options.link)

  a.addAccount(usd('user'))
  a.addAccount(usd('b', { relation: 'parent' }), ab)
  b.addAccount(usd('a', { relation: 'child' }), ba)
  b.addAccount(eur('c', { routes: ['test.c'] }), bc)
  c.addAccount(eur('b', { routes: [] }), cb)
  c.addAccount(eur('shop', { relation: 'child' }), cShop)
  const received = fulfillingReceiver(shop, secrets, 'test.c.shop')

  // A learns its address from its parent, as a child node does at start-up (RFC 31).
  const config = await ab.send(ildcpRequest({ now: Date.now }))
  if (!isFulfill(config)) throw new Error('ILDCP failed')
  a.setAddress(ildcpResponseFromFulfill(config).clientAddress)

  return {
    a,
    b,
    c,
    ledgers,
    bc,
    shop,
    received,
    async close() {
      await Promise.all([a.close(), b.close(), c.close()])
      await Promise.all([ledgers.a.close(), ledgers.b.close(), ledgers.c.close()])
    },
  }
}

/** Committed balance per account of one ledger. */
export function balances(ledger: Ledger, ids: string[]): Record<string, bigint> {
  return Object.fromEntries(ids.map((id) => [id, ledger.snapshot(id).balance]))
}

/** Every ledger verifies and holds nothing. */
export async function allSettled(net: Network): Promise<boolean> {
  for (const ledger of Object.values(net.ledgers)) {
    if (ledger.liveHolds() !== 0) return false
    if (!(await ledger.verify()).ok) return false
  }
  return true
}
