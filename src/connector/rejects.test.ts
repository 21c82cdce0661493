/** Every locally generated Reject of the pipeline: right code, node's address, and nothing moved. */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeAmountTooLargeData } from '../ilp/errors.js'
import { Ratio, U64_MAX } from '../money/index.js'
import { createStaticRates, type RateSource } from './rates.js'
import { aliceAndBob, assertReject, assertUntouched, newSecret, nodeHarness, testAccount, testPrepare } from './testing.js'

describe('connector rejects', () => {
  test('T05 after packetsPerMinute packets; refills with the clock; a settings change resets it', async (t) => {
    let clock = Date.now()
    const h = nodeHarness({ now: () => clock })
    t.after(() => h.close())
    h.connector.addAccount(testAccount('alice', { packetsPerMinute: 2 }))
    const send = () => h.connector.handleIncoming('alice', testPrepare({ destination: 'test.nowhere' }, newSecret(), clock))
    assertReject(await send(), 'F02')
    assertReject(await send(), 'F02')
    assertReject(await send(), 'T05')
    clock += 30_000 // one packet's worth
    assertReject(await send(), 'F02')
    assertReject(await send(), 'T05')
    h.connector.updateAccount(testAccount('alice', { packetsPerMinute: 1 }))
    assertReject(await send(), 'F02')
    assertReject(await send(), 'T05')
    await assertUntouched(h, ['alice'])
  })

  test('T05 past amountPerMinute', async (t) => {
    let clock = Date.now()
    const { h, secret } = aliceAndBob({ now: () => clock })
    t.after(() => h.close())
    h.connector.updateAccount(testAccount('alice', { amountPerMinute: 1000n }))
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 1001n }, secret, clock)), 'T05')
    await assertUntouched(h, ['alice', 'bob'])
    await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 600n }, secret, clock))
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 600n }, secret, clock)), 'T05')
    clock += 12_000 // 200 more
    await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 600n }, secret, clock))
    assert.equal(h.ledger.snapshot('alice').balance, -1200n)
  })

  test('F08 with data above maxPacketAmount', async (t) => {
    const { h } = aliceAndBob()
    t.after(() => h.close())
    h.connector.updateAccount(testAccount('alice', { maxPacketAmount: 500n }))
    const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 501n }))
    assertReject(reply, 'F08')
    assert.deepEqual(decodeAmountTooLargeData(reply.data), { receivedAmount: 501n, maximumAmount: 500n })
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('T04 when the sender would pass its minimum balance', async (t) => {
    const { h } = aliceAndBob()
    t.after(() => h.close())
    h.connector.updateAccount(testAccount('alice', { minBalance: -100n }))
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 101n })), 'T04')
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('T04 when the next hop would pass its maximum balance; the sender hold is released', async (t) => {
    const { h, seen } = aliceAndBob()
    t.after(() => h.close())
    h.connector.updateAccount(testAccount('bob', { routes: ['test.bob'], maxBalance: 99n }))
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 100n })), 'T04')
    assert.equal(seen.length, 0)
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('F02: no route, route back to the sender, next hop gone', async (t) => {
    const { h } = aliceAndBob()
    t.after(() => h.close())
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.nowhere' })), 'F02')
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.alice.x' })), 'F02')
    h.connector.routes.add({ prefix: 'test.ghost', nextHop: 'ghost', source: 'ccp' })
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.ghost.x' })), 'F02')
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('F02 across testnet and livenet, both ways', async (t) => {
    const test_ = nodeHarness({ address: 'test.node' })
    const live = nodeHarness({ address: 'g.node' })
    t.after(() => Promise.all([test_.close(), live.close()]))
    for (const h of [test_, live]) h.connector.addAccount(testAccount('alice', { routes: [] }))
    test_.connector.addAccount(testAccount('up', { relation: 'parent' }))
    live.connector.addAccount(testAccount('up', { relation: 'parent' }))
    assertReject(await test_.connector.handleIncoming('alice', testPrepare({ destination: 'g.bank.x' })), 'F02')
    const fromLive = await live.connector.handleIncoming('alice', testPrepare({ destination: 'test1.x' }))
    assertReject(fromLive, 'F02', 'g.node')
    assert.match(fromLive.message, /livenet/)
    // private.* is neither: it reaches the (link-less) parent and gets T01 there
    assertReject(await live.connector.handleIncoming('alice', testPrepare({ destination: 'private.x' })), 'T01', 'g.node')
  })

  test('T00 naming the pair when a rate is missing or stale', async (t) => {
    const stale: RateSource = {
      rate: (from, to) => ({ kind: 'stale', ageMs: 999_000, message: `exchange rate ${from}→${to} is stale` }),
      snapshot: () => createStaticRates({}).snapshot(),
      close: () => undefined,
    }
    for (const rates of [createStaticRates({ USD: 1 }), stale]) {
      const h = nodeHarness({ rates })
      t.after(() => h.close())
      h.connector.addAccount(testAccount('alice'))
      h.connect(testAccount('eve', { assetCode: 'EUR', routes: ['test.eve'] }))
      const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.eve' }))
      assertReject(reply, 'T00')
      assert.match(reply.message, /USD→EUR/)
      await assertUntouched(h, ['alice', 'eve'])
    }
  })

  test('R01 when a non-zero amount converts to nothing', async (t) => {
    const h = nodeHarness()
    t.after(() => h.close())
    h.connector.addAccount(testAccount('alice'))
    h.connect(testAccount('eve', { assetCode: 'EUR', assetScale: 0, routes: ['test.eve'] }))
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.eve', amount: 108n })), 'R01') // 1.08 USD = 0.99 EUR
    await assertUntouched(h, ['alice', 'eve'])
  })

  test('F08 with the largest sendable amount when the conversion overflows a UInt64', async (t) => {
    const h = nodeHarness({ rates: createStaticRates({ USD: 1, BIG: '1000' }) })
    t.after(() => h.close())
    h.connector.addAccount(testAccount('alice', { minBalance: -U64_MAX }))
    h.connect(testAccount('eve', { assetCode: 'BIG', routes: ['test.eve'] }))
    const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.eve', amount: U64_MAX / 100n }))
    assertReject(reply, 'F08')
    const data = decodeAmountTooLargeData(reply.data)
    assert.equal(data.receivedAmount, U64_MAX / 100n)
    assert.equal(data.maximumAmount, U64_MAX / 1000n)
    await assertUntouched(h, ['alice', 'eve'])
    assert.ok(Ratio.ONE)
  })

  test('R02 when the Prepare has expired or leaves too little time', async (t) => {
    const clock = Date.now()
    const { h, seen } = aliceAndBob({ now: () => clock })
    t.after(() => h.close())
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', expiresAt: new Date(clock - 1) })), 'R02')
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', expiresAt: new Date(clock + 1_999) })), 'R02')
    assert.equal(seen.length, 0)
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('T01 when the next hop has no link or its link is down', async (t) => {
    const { h, bob } = aliceAndBob()
    t.after(() => h.close())
    h.connector.addAccount(testAccount('local', { routes: ['test.local'] }))
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.local' })), 'T01')
    bob.setConnected(false)
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob' })), 'T01')
    await assertUntouched(h, ['alice', 'bob', 'local'])
  })

  test('link failures map to T01 / T03 / T00 / R00', async (t) => {
    const { h, bob } = aliceAndBob()
    t.after(() => h.close())
    const cases = [
      ['LINK_CLOSED', 'T01'],
      ['LINK_DOWN', 'T01'],
      ['LINK_OVERLOADED', 'T03'],
      ['LINK_PROTOCOL', 'T00'],
      ['LINK_REMOTE', 'T00'],
      ['LINK_TIMEOUT', 'R00'],
    ] as const
    for (const [linkCode, ilpCode] of cases) {
      bob.setFault(() => ({ kind: 'fail', code: linkCode }))
      assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob' })), ilpCode)
    }
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('a link whose send throws synchronously: T00, nothing held', async (t) => {
    const { h } = aliceAndBob()
    t.after(() => h.close())
    h.connector.setLink('bob', {
      send: () => {
        throw new Error('link bug')
      },
      handle: () => undefined,
      close: async () => undefined,
      connected: true,
    })
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob' })), 'T00')
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('a handler on the far side that throws: T00, nothing moves', async (t) => {
    const { h, bob } = aliceAndBob()
    t.after(() => h.close())
    bob.handle(async () => {
      throw new Error('receiver bug')
    })
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob' })), 'T00')
    await assertUntouched(h, ['alice', 'bob'])
  })
})
