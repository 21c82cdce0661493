/** Sender → A → B (USD→EUR) → C → receiver over loopback links: amounts and balances to the unit on every node. */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteLedger } from '../src/accounts/index.js'
import { newSecret, testPrepare } from '../src/connector/testing.js'
import { isFulfill, isReject } from '../src/ilp/types.js'
import { allSettled, balances, threeNodes } from './network-support.js'

describe('network: three nodes over loopback', () => {
  test('A learned test.b.a by ILDCP; a payment crosses with the exchange rate, balances exact on all sides', async (t) => {
    const secret = newSecret()
    const net = await threeNodes([secret])
    t.after(() => net.close())
    assert.equal(net.a.address, 'test.b.a')
    const reply = await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop.invoice7', amount: 1234n }, secret))
    assert.ok(isFulfill(reply))
    assert.deepEqual(reply.fulfillment, secret.fulfillment)
    // 12.34 USD × 0.92 = 11.3528 EUR = 113528 at scale 4
    assert.equal(net.received.length, 1)
    assert.equal(net.received[0]!.amount, 113528n)
    assert.deepEqual(balances(net.ledgers.a, ['user', 'b']), { user: -1234n, b: 1234n })
    assert.deepEqual(balances(net.ledgers.b, ['a', 'c']), { a: -1234n, c: 113528n })
    assert.deepEqual(balances(net.ledgers.c, ['b', 'shop']), { b: -113528n, shop: 113528n })
    assert.ok(await allSettled(net))
  })

  test('each hop shortens the expiry by the message window', async (t) => {
    const secret = newSecret()
    const net = await threeNodes([secret], { minMessageWindowMs: 100 })
    t.after(() => net.close())
    const expiresAt = new Date(Date.now() + 5_000)
    await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', expiresAt }, secret))
    assert.equal(net.received[0]!.expiresAt.getTime(), expiresAt.getTime() - 300)
  })

  test('a Reject from the receiver reaches the sender unchanged; nothing moves anywhere', async (t) => {
    const net = await threeNodes([])
    t.after(() => net.close())
    const reply = await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', amount: 50n }))
    assert.ok(isReject(reply))
    assert.equal(reply.code, 'F06')
    assert.equal(reply.triggeredBy, 'test.c.shop')
    assert.deepEqual(balances(net.ledgers.b, ['a', 'c']), { a: 0n, c: 0n })
    assert.ok(await allSettled(net))
  })

  test('500 concurrent payments with 1 ms link latency: totals exact, conservation holds', async (t) => {
    const secrets = Array.from({ length: 10 }, () => newSecret())
    const net = await threeNodes(secrets, { link: { latencyMs: 1 } })
    t.after(() => net.close())
    const replies = await Promise.all(
      Array.from({ length: 500 }, (_, i) => net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', amount: 100n + BigInt(i % 7) }, secrets[i % 10]!))),
    )
    assert.ok(replies.every(isFulfill))
    let sent = 0n
    let delivered = 0n
    for (let i = 0; i < 500; i++) {
      const amount = 100n + BigInt(i % 7)
      sent += amount
      delivered += amount * 92n // × 0.92, and scale 2 → 4 is × 100
    }
    assert.equal(net.ledgers.a.snapshot('user').balance, -sent)
    assert.equal(net.ledgers.b.snapshot('c').balance, delivered)
    assert.equal(net.ledgers.c.snapshot('shop').balance, delivered)
    assert.ok(await allSettled(net))
  })

  test('the router on the durable sqlite ledger: same balances, journal verifies', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ilp-network-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const secret = newSecret()
    const net = await threeNodes([secret], { ledgerB: createSqliteLedger({ path: join(dir, 'b.sqlite'), synchronous: 'NORMAL' }) })
    t.after(() => net.close())
    const replies = await Promise.all(Array.from({ length: 50 }, () => net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', amount: 10n }, secret))))
    assert.ok(replies.every(isFulfill))
    assert.deepEqual(balances(net.ledgers.b, ['a', 'c']), { a: -500n, c: 46000n })
    assert.equal((await net.ledgers.b.readJournal()).length, 50)
    assert.ok(await allSettled(net))
  })
})
