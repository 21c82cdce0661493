/**
 * Faults in a three-node network: the receiver never answers, answers late, answers with the wrong
 * fulfillment, or a link delivers a Prepare twice. The sender always gets an answer before its expiry, and no
 * balance moves anywhere for an unfulfilled packet.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { fulfillWith, newSecret, testPrepare } from '../src/connector/testing.js'
import { isFulfill, isReject } from '../src/ilp/types.js'
import { allSettled, balances, threeNodes } from './network-support.js'

const WINDOW_MS = 100
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe('network faults', () => {
  test('receiver never answers: R00 from C before the sender expiry; nothing committed anywhere', async (t) => {
    const secret = newSecret()
    const net = await threeNodes([secret], { minMessageWindowMs: WINDOW_MS })
    t.after(() => net.close())
    net.shop.setFault(() => ({ kind: 'drop' }))
    const expiresAt = Date.now() + 700
    const reply = await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', expiresAt: new Date(expiresAt) }, secret))
    assert.ok(Date.now() < expiresAt, 'answered before the sender expiry')
    assert.ok(isReject(reply))
    assert.equal(reply.code, 'R00')
    assert.equal(reply.triggeredBy, 'test.c', 'the node nearest the silent hop timed out first; the others relayed it')
    assert.ok(await allSettled(net))
    assert.deepEqual(balances(net.ledgers.b, ['a', 'c']), { a: 0n, c: 0n })
  })

  test('receiver fulfills after the expiry: R00, and the late Fulfill changes nothing', async (t) => {
    const secret = newSecret()
    const net = await threeNodes([secret], { minMessageWindowMs: WINDOW_MS })
    t.after(() => net.close())
    net.shop.setFault(() => ({ kind: 'delay-reply', ms: 900 }))
    const reply = await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', expiresAt: new Date(Date.now() + 700) }, secret))
    assert.ok(isReject(reply) && reply.code === 'R00')
    await sleep(900)
    assert.ok(await allSettled(net))
    for (const ledger of Object.values(net.ledgers)) assert.equal((await ledger.readJournal()).length, 0)
  })

  test('receiver answers with the wrong fulfillment: F05 from C relayed to the sender; nothing committed', async (t) => {
    const net = await threeNodes([])
    t.after(() => net.close())
    net.shop.handle(async () => fulfillWith(newSecret()))
    const reply = await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop' }))
    assert.ok(isReject(reply))
    assert.equal(reply.code, 'F05')
    assert.equal(reply.triggeredBy, 'test.c')
    assert.ok(await allSettled(net))
    for (const ledger of Object.values(net.ledgers)) assert.equal((await ledger.readJournal()).length, 0)
  })

  test('B–C link delivers the Prepare twice: B commits once; C saw two packets and each ledger still verifies', async (t) => {
    const secret = newSecret()
    const net = await threeNodes([secret])
    t.after(() => net.close())
    net.bc.setFault((_p, from) => (from === 'a' ? { kind: 'duplicate' } : undefined))
    const reply = await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', amount: 100n }, secret))
    assert.ok(isFulfill(reply))
    assert.deepEqual(balances(net.ledgers.a, ['user', 'b']), { user: -100n, b: 100n })
    assert.deepEqual(balances(net.ledgers.b, ['a', 'c']), { a: -100n, c: 9200n })
    // C cannot tell a duplicate from a second payment (no deduplication stage; see the connector README).
    assert.deepEqual(balances(net.ledgers.c, ['b', 'shop']), { b: -18400n, shop: 18400n })
    assert.ok(await allSettled(net))
  })

  test('the B–C link goes down mid-run: T01 from B, then payments resume when it is back', async (t) => {
    const secret = newSecret()
    const net = await threeNodes([secret])
    t.after(() => net.close())
    net.bc.setConnected(false)
    const down = await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', amount: 10n }, secret))
    assert.ok(isReject(down) && down.code === 'T01' && down.triggeredBy === 'test.b')
    net.bc.setConnected(true)
    assert.ok(isFulfill(await net.a.handleIncoming('user', testPrepare({ destination: 'test.c.shop', amount: 10n }, secret))))
    assert.deepEqual(balances(net.ledgers.a, ['user']), { user: -10n })
    assert.ok(await allSettled(net))
  })
})
