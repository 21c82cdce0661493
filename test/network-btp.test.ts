/**
 * Three connectors over real BTP WebSockets on 127.0.0.1: A (child, learns its address by ILDCP over BTP) and C
 * (peer) both dial the router B. A payment crosses with B's exchange rate; then C's socket goes away and B
 * answers T01 until C is back. Balances are checked to the unit on every node.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createMemoryLedger } from '../src/accounts/index.js'
import { createConnector, createStaticRates } from '../src/connector/index.js'
import { fulfillingReceiver, newSecret, testAccount, testPrepare } from '../src/connector/testing.js'
import { ildcpRequest, ildcpResponseFromFulfill } from '../src/ilp/ildcp.js'
import { isFulfill, isReject } from '../src/ilp/types.js'
import { createBtpClientLink, createBtpServer } from '../src/link/btp/index.js'
import { createLoopbackLinkPair } from '../src/link/loopback.js'
import { createTokenAuthenticator } from '../src/link/tokens.js'

const TOKEN_A = 'token-for-a-0123456789abcdef0123456789abcdef'
const TOKEN_C = 'token-for-c-0123456789abcdef0123456789abcdef'

async function btpNetwork() {
  const rates = createStaticRates({ USD: '1', EUR: '0.92' })
  const ledgers = { a: createMemoryLedger(), b: createMemoryLedger(), c: createMemoryLedger() }
  const a = createConnector({ assetCode: 'USD', assetScale: 2, ledger: ledgers.a, rates })
  const b = createConnector({ address: 'test.b', assetCode: 'USD', assetScale: 2, ledger: ledgers.b, rates })
  const c = createConnector({ address: 'test.c', assetCode: 'EUR', assetScale: 4, ledger: ledgers.c, rates })

  const server = await createBtpServer({
    listen: { port: 0, host: '127.0.0.1' },
    authenticate: createTokenAuthenticator([
      { accountId: 'a', token: TOKEN_A },
      { accountId: 'c', token: TOKEN_C },
    ]),
  })
  const port = new URL(server.url).port
  b.addAccount(testAccount('a', { relation: 'child' }), server.link('a'))
  b.addAccount(testAccount('c', { assetCode: 'EUR', assetScale: 4, routes: ['test.c'] }), server.link('c'))

  const toB = createBtpClientLink({ url: `btp+ws://a:${TOKEN_A}@127.0.0.1:${port}/`, reconnectFirstMs: 10, reconnectMaxMs: 50 })
  a.addAccount(testAccount('user'))
  a.addAccount(testAccount('b', { relation: 'parent' }), toB)

  let cToB = createBtpClientLink({ url: `btp+ws://c:${TOKEN_C}@127.0.0.1:${port}/`, reconnectFirstMs: 10, reconnectMaxMs: 50 })
  c.addAccount(testAccount('b', { assetCode: 'EUR', assetScale: 4 }), cToB)
  const [cShop, shop] = createLoopbackLinkPair()
  c.addAccount(testAccount('shop', { relation: 'child', assetCode: 'EUR', assetScale: 4 }), cShop)

  await Promise.all([toB.whenConnected(), cToB.whenConnected()])
  const config = await toB.send(ildcpRequest({ now: Date.now }))
  assert.ok(isFulfill(config))
  a.setAddress(ildcpResponseFromFulfill(config).clientAddress)

  return {
    a,
    b,
    c,
    ledgers,
    shop,
    /** Drops C's socket (its client link closes); reconnect() dials again. */
    async disconnectC() {
      c.setLink('b', undefined)
      await cToB.close()
    },
    async reconnectC() {
      cToB = createBtpClientLink({ url: `btp+ws://c:${TOKEN_C}@127.0.0.1:${port}/`, reconnectFirstMs: 10, reconnectMaxMs: 50 })
      c.setLink('b', cToB)
      await cToB.whenConnected()
    },
    async close() {
      await Promise.all([a.close(), c.close()])
      await b.close()
      await server.close()
      await Promise.all(Object.values(ledgers).map((l) => l.close()))
    },
  }
}

describe('network over BTP', () => {
  test('ILDCP over BTP, a paid packet through the router with FX, and T01 while the next hop is away', async (t) => {
    const secret = newSecret()
    const net = await btpNetwork()
    t.after(() => net.close())
    const received = fulfillingReceiver(net.shop, [secret], 'test.c.shop')
    assert.equal(net.a.address, 'test.b.a')

    const replies = await Promise.all(Array.from({ length: 20 }, () => net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', amount: 250n }, secret))))
    assert.ok(replies.every(isFulfill))
    assert.equal(received[0]!.amount, 23000n) // 2.50 USD × 0.92 = 2.30 EUR at scale 4
    assert.equal(net.ledgers.a.snapshot('user').balance, -5000n)
    assert.equal(net.ledgers.b.snapshot('a').balance, -5000n)
    assert.equal(net.ledgers.b.snapshot('c').balance, 460000n)
    assert.equal(net.ledgers.c.snapshot('b').balance, -460000n)
    assert.equal(net.ledgers.c.snapshot('shop').balance, 460000n)

    await net.disconnectC()
    const down = await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', amount: 250n }, secret))
    assert.ok(isReject(down))
    assert.equal(down.code, 'T01')
    assert.equal(down.triggeredBy, 'test.b')

    await net.reconnectC()
    assert.ok(isFulfill(await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', amount: 250n }, secret))))
    assert.equal(net.ledgers.b.snapshot('c').balance, 483000n)
    for (const ledger of Object.values(net.ledgers)) {
      assert.equal(ledger.liveHolds(), 0)
      assert.equal((await ledger.verify()).ok, true)
    }
  })
})
