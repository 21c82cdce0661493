/**
 * Payments between local accounts (brief issue 5 §3): our sender and receiver inside connectors, first on one
 * node, then across three nodes (sender node → router with an exchange rate → receiver node) over loopback
 * links. Each fulfilled hop is checked against the rate; balances of every hop against the sums.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Account } from '../src/accounts/types.js'
import { createMemoryLedger } from '../src/accounts/index.js'
import { createConnector, createStaticRates, type Connector, type PacketEvent } from '../src/connector/index.js'
import { createLoopbackLinkPair } from '../src/link/loopback.js'
import { createLocalPayments, sendWithStream, type LocalPayments } from '../src/spsp/local.js'
import { isFulfill, isReject, type IlpPrepare } from '../src/ilp/types.js'
import { listenSpsp, type SpspHttpServer } from '../src/spsp/http.js'
import { PaymentRequestError } from '../src/spsp/payments-api.js'

type After = { after(fn: () => Promise<void> | void): void }

interface Node {
  readonly connector: Connector
  readonly ledger: ReturnType<typeof createMemoryLedger>
  readonly local: LocalPayments
  readonly spsp: SpspHttpServer
  readonly events: PacketEvent[]
}

async function node(t: After, address: string, assetCode: string, assetScale: number, accounts: Account[], rates = createStaticRates({ USD: '1', EUR: '0.9234567' })): Promise<Node> {
  const ledger = createMemoryLedger()
  const events: PacketEvent[] = []
  const connector = createConnector({ address, assetCode, assetScale, ledger, rates, observer: { onPacket: (e) => void events.push(e) } })
  const spspHolder: { url?: string } = {}
  const local = createLocalPayments({ connector, spspBaseUrl: () => spspHolder.url })
  for (const a of accounts) {
    connector.addAccount(a)
    const link = local.transport.linkFor(a)
    if (link) connector.setLink(a.id, link)
  }
  const spsp = await listenSpsp({ generateCredentials: (id, o) => local.receiver(id)?.generateCredentials(o.receipt ? { receipt: o.receipt } : {}) })
  spspHolder.url = spsp.url
  t.after(async () => {
    local.close()
    await spsp.close()
    await connector.close()
  })
  return { connector, ledger, local, spsp, events }
}

const local = (id: string, assetCode: string, assetScale: number, extra: Partial<Account> = {}): Account => ({ id, relation: 'child', assetCode, assetScale, ...extra })

describe('payments from a local account', () => {
  test('same node: alice (USD) pays bob (EUR) to the unit; balances and receiver agree', async (t) => {
    const n = await node(t, 'test.one', 'USD', 9, [local('alice', 'USD', 9, { minBalance: -(10n ** 12n) }), local('bob', 'EUR', 6, { maxPacketAmount: 10n ** 8n })])
    const result = await n.local.backend.pay({ from: 'alice', destination: `${n.spsp.url}/bob`, amount: 2_000_000_000n, fixedDelivery: false, allowHttp: false })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(result.amountSent, 2_000_000_000n)
    let delivered = 0n
    for (const e of n.events.filter((e) => e.from === 'alice' && e.to === 'bob' && e.outcome === 'fulfilled')) {
      assert.equal(e.amountOut, (e.amountIn * 9_234_567n) / (10_000_000n * 1000n))
      delivered += e.amountOut!
    }
    assert.equal(result.amountDelivered, delivered)
    assert.equal(n.ledger.snapshot('alice').balance, -2_000_000_000n)
    assert.equal(n.ledger.snapshot('bob').balance, delivered)
    assert.equal(n.local.backend.receiver('bob')!.amountReceived, delivered)
    assert.ok((await n.ledger.verify()).ok)
  })

  test('fixed delivery delivers at least the amount and debits only what was sent', async (t) => {
    const n = await node(t, 'test.one', 'USD', 9, [local('alice', 'USD', 9, { minBalance: -(10n ** 12n) }), local('bob', 'EUR', 6)])
    const result = await n.local.backend.pay({ from: 'alice', destination: `${n.spsp.url}/bob`, amount: 1_000_000n, fixedDelivery: true, allowHttp: false })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(result.amountDelivered, 1_000_000n)
    assert.equal(n.ledger.snapshot('bob').balance, result.amountDelivered)
    assert.equal(n.ledger.snapshot('alice').balance, -result.amountSent)
  })

  test('refusals before sending: unknown, non-local and unfunded accounts; SPSP failures debit nothing', async (t) => {
    const n = await node(t, 'test.one', 'USD', 9, [local('alice', 'USD', 9), local('rich', 'USD', 9, { minBalance: -1000n }), { id: 'peer', relation: 'peer', assetCode: 'USD', assetScale: 9, btp: { url: 'btp+ws://127.0.0.1:1' } }])
    const base = { destination: `${n.spsp.url}/bob`, amount: 10n, fixedDelivery: false, allowHttp: false }
    const status = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return e instanceof PaymentRequestError ? e.statusCode : -1
      }
      return 0
    }
    assert.equal(status(() => n.local.backend.check({ ...base, from: 'nobody' })), 404)
    assert.equal(status(() => n.local.backend.check({ ...base, from: 'peer' })), 409)
    assert.equal(status(() => n.local.backend.check({ ...base, from: 'alice' })), 422)
    assert.equal(status(() => n.local.backend.check({ ...base, from: 'rich', amount: 1001n })), 422)
    assert.equal(status(() => n.local.backend.check({ ...base, from: 'rich', amount: 1000n })), 0)
    const result = await n.local.backend.pay({ ...base, from: 'rich' })
    assert.equal(result.status, 'failed')
    assert.equal(result.error?.code, 'SPSP_RECEIVER_NOT_FOUND')
    assert.equal(n.ledger.snapshot('rich').balance, 0n)
  })
})

const local_ = (id: string, extra: Partial<Account> = {}): Account => ({ id, relation: 'child', assetCode: 'USD', assetScale: 9, ...extra })

test('a replayed Prepare is refused by the receiver: nobody is credited or debited twice', async (t) => {
  const ledger = createMemoryLedger()
  const connector = createConnector({ address: 'test.one', assetCode: 'USD', assetScale: 9, ledger })
  const fulfilled: IlpPrepare[] = []
  const local = createLocalPayments({
    connector,
    // Records every Prepare that was fulfilled on its way out of alice.
    sendPayment: (request) =>
      sendWithStream({
        ...request,
        sendPrepare: async (prepare) => {
          const reply = await request.sendPrepare(prepare)
          if (isFulfill(reply)) fulfilled.push(prepare)
          return reply
        },
      }),
  })
  for (const a of [local_('alice', { minBalance: -(10n ** 12n) }), local_('bob')]) {
    connector.addAccount(a)
    connector.setLink(a.id, local.transport.linkFor(a))
  }
  const spsp = await listenSpsp({ generateCredentials: (id) => local.receiver(id)?.generateCredentials({}) })
  t.after(async () => {
    local.close()
    await spsp.close()
    await connector.close()
  })
  const result = await local.backend.pay({ from: 'alice', destination: `${spsp.url}/bob`, amount: 5_000n, fixedDelivery: false, allowHttp: false })
  assert.equal(result.status, 'completed')
  assert.ok(fulfilled.length > 0)
  const before = { alice: ledger.snapshot('alice'), bob: ledger.snapshot('bob'), received: local.backend.receiver('bob')!.amountReceived }
  for (const prepare of fulfilled) {
    const replay = await connector.handleIncoming('alice', prepare)
    assert.ok(isReject(replay), 'a replay must not be fulfilled again')
    assert.equal(replay.code, 'F99', 'refused by the receiver (sequence already seen), not by the connector')
  }
  assert.deepEqual(ledger.snapshot('alice'), before.alice)
  assert.deepEqual(ledger.snapshot('bob'), before.bob)
  assert.equal(local.backend.receiver('bob')!.amountReceived, before.received)
  assert.equal(before.bob.balance, 5_000n)
})

describe('three nodes: sender node → router (USD→EUR) → receiver node', () => {
  test('every hop converts exactly and every balance matches the sums', async (t) => {
    // S (test.r.s, USD 9) is a child of R (test.r); C (test.r.c, EUR 6) too. R converts at 0.9234567.
    const s = await node(t, 'test.r.s', 'USD', 9, [local('alice', 'USD', 9, { minBalance: -(10n ** 12n) })])
    const r = await node(t, 'test.r', 'USD', 9, [])
    const c = await node(t, 'test.r.c', 'EUR', 6, [local('bob', 'EUR', 6)])
    const [sr, rs] = createLoopbackLinkPair()
    const [rc, cr] = createLoopbackLinkPair()
    s.connector.addAccount({ id: 'up', relation: 'parent', assetCode: 'USD', assetScale: 9 }, sr)
    r.connector.addAccount({ id: 's', relation: 'child', assetCode: 'USD', assetScale: 9, ilpAddress: 'test.r.s', minBalance: -(10n ** 12n), maxPacketAmount: 50_000_000n }, rs)
    r.connector.addAccount({ id: 'c', relation: 'child', assetCode: 'EUR', assetScale: 6, ilpAddress: 'test.r.c' }, rc)
    c.connector.addAccount({ id: 'up', relation: 'parent', assetCode: 'EUR', assetScale: 6, minBalance: -(10n ** 12n) }, cr)

    const amount = 3_000_000_000n
    const result = await s.local.backend.pay({ from: 'alice', destination: `${c.spsp.url}/bob`, amount, fixedDelivery: false, allowHttp: false })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.match(result.destinationAccount!, /^test\.r\.c\.bob\./)

    const hops = r.events.filter((e) => e.from === 's' && e.to === 'c' && e.outcome === 'fulfilled')
    assert.ok(hops.length >= amount / 50_000_000n, `${hops.length} packets`)
    let delivered = 0n
    for (const e of hops) {
      assert.equal(e.amountOut, (e.amountIn * 9_234_567n) / (10_000_000n * 1000n))
      delivered += e.amountOut!
    }
    assert.equal(result.amountSent, amount)
    assert.equal(result.amountDelivered, delivered)
    // Sender node: alice paid, the parent is owed the same. Router: s paid in USD, c was paid in EUR.
    assert.equal(s.ledger.snapshot('alice').balance, -amount)
    assert.equal(s.ledger.snapshot('up').balance, amount)
    assert.equal(r.ledger.snapshot('s').balance, -amount)
    assert.equal(r.ledger.snapshot('c').balance, delivered)
    // Receiver node: the parent paid what bob got, to the unit.
    assert.equal(c.ledger.snapshot('up').balance, -delivered)
    assert.equal(c.ledger.snapshot('bob').balance, delivered)
    assert.equal(c.local.backend.receiver('bob')!.amountReceived, delivered)
    // The sender's closing packet (ConnectionClose) crossed both hops: its expiry survives two message windows.
    const connections = c.local.receiver('bob')!.connections()
    assert.equal(connections.length, 1)
    assert.equal(connections[0]!.state, 'closed')
    for (const x of [s, r, c]) {
      const v = await x.ledger.verify()
      assert.ok(v.ok, JSON.stringify(v.mismatches))
      for (const id of x.connector.accounts().map((a) => a.id)) {
        const snap = x.ledger.snapshot(id)
        assert.equal(snap.pendingIncoming + snap.pendingOutgoing, 0n, `${id} has money pending`)
      }
    }
  })
})
