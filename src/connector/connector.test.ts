import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ildcpRequest, ildcpResponseFromFulfill } from '../ilp/ildcp.js'
import { encodePrepare } from '../ilp/packet.js'
import { RAW, isFulfill, type IlpReply } from '../ilp/types.js'
import type { PacketEvent } from './connector.js'
import { aliceAndBob, assertReject, assertUntouched, fulfillingReceiver, newSecret, nodeHarness, testAccount, testPrepare } from './testing.js'

describe('connector: forwarding', () => {
  test('forwards with amount and expiry patched, commits both sides, relays the Fulfill', async (t) => {
    const { h, secret, seen } = aliceAndBob()
    t.after(() => h.close())
    const now = Date.now()
    const prepare = testPrepare({ destination: 'test.bob.x', amount: 250n, expiresAt: new Date(now + 10_000) }, secret)
    const reply = await h.connector.handleIncoming('alice', prepare)
    assert.ok(isFulfill(reply))
    assert.deepEqual(reply.fulfillment, secret.fulfillment)
    assert.equal(seen.length, 1)
    const out = seen[0]!
    assert.equal(out.amount, 250n)
    assert.equal(out.expiresAt.getTime(), now + 9_000, 'one message window earlier')
    assert.deepEqual(out.executionCondition, prepare.executionCondition)
    assert.deepEqual(out.data, prepare.data)
    assert.equal(out.destination, 'test.bob.x')
    assert.equal(h.ledger.snapshot('alice').balance, -250n)
    assert.equal(h.ledger.snapshot('bob').balance, 250n)
    const journal = await h.ledger.readJournal()
    assert.equal(journal.length, 1)
    assert.deepEqual(
      journal[0]!.legs.map((l) => [l.accountId, l.delta]),
      [
        ['alice', -250n],
        ['bob', 250n],
      ],
    )
    assert.equal(h.ledger.liveHolds(), 0)
    assert.equal((await h.ledger.verify()).ok, true)
  })

  test('expiry is capped at the maximum hold time', async (t) => {
    let clock = Date.now()
    const { h, secret, seen } = aliceAndBob({ now: () => clock, maxHoldTimeMs: 5_000 })
    t.after(() => h.close())
    await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', expiresAt: new Date(clock + 60_000) }, secret))
    assert.equal(seen[0]!.expiresAt.getTime(), clock + 5_000)
  })

  test('a downstream Reject is relayed byte for byte and releases both holds', async (t) => {
    const { h, bob } = aliceAndBob()
    t.after(() => h.close())
    bob.handle(async () => ({ type: 14, code: 'F99', triggeredBy: 'test.bob', message: 'app says no', data: new Uint8Array([9, 9]) }) as IlpReply)
    const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob.x' }))
    assertReject(reply, 'F99', 'test.bob')
    assert.equal(reply.message, 'app says no')
    assert.deepEqual([...reply.data], [9, 9])
    assert.ok(reply[RAW] !== undefined, 'the relayed Reject keeps the bytes it arrived with')
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('converts with the exchange rate and the spread, rounding down', async (t) => {
    const h = nodeHarness({ spread: (await import('../money/index.js')).Ratio.fromDecimal('0.01') })
    t.after(() => h.close())
    h.connector.addAccount(testAccount('alice'))
    const secret = newSecret()
    const seen = fulfillingReceiver(h.connect(testAccount('eve', { assetCode: 'EUR', assetScale: 4, routes: ['test.eve'] })), [secret])
    const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.eve', amount: 1001n }, secret))
    assert.ok(isFulfill(reply))
    // 10.01 USD × 0.92 × 0.99 = 9.117108 EUR → 91171.08 at scale 4 → 91171
    assert.equal(seen[0]!.amount, 91171n)
    assert.equal(h.ledger.snapshot('alice').balance, -1001n)
    assert.equal(h.ledger.snapshot('eve').balance, 91171n)
  })

  test('zero-amount packets are forwarded without touching balances', async (t) => {
    const { h, secret } = aliceAndBob()
    t.after(() => h.close())
    assert.ok(isFulfill(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 0n }, secret))))
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('200 packets in flight at once: every unit accounted for', async (t) => {
    const { h, secret } = aliceAndBob()
    t.after(() => h.close())
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: BigInt(i + 1) }, secret))),
    )
    assert.ok(replies.every(isFulfill))
    assert.equal(h.ledger.snapshot('alice').balance, -20100n)
    assert.equal(h.ledger.snapshot('bob').balance, 20100n)
    assert.equal((await h.ledger.verify()).ok, true)
  })

  test('observer hears each packet with amounts, next hop and outcome', async (t) => {
    const events: PacketEvent[] = []
    const { h, secret } = aliceAndBob({ observer: { onPacket: (e) => events.push(e) } })
    t.after(() => h.close())
    await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 7n }, secret))
    await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.nowhere', amount: 7n }))
    assert.equal(events.length, 2)
    assert.deepEqual({ ...events[0]!, latencyMs: 0 }, {
      from: 'alice',
      to: 'bob',
      destination: 'test.bob',
      amountIn: 7n,
      amountOut: 7n,
      outcome: 'fulfilled',
      code: undefined,
      latencyMs: 0,
    })
    assert.equal(events[1]!.outcome, 'rejected')
    assert.equal(events[1]!.code, 'F02')
    assert.equal(events[1]!.to, undefined)
  })
})

describe('connector: accounts and routes', () => {
  test('children get <node>.<id> routes, parents the default route; setAddress re-derives', async (t) => {
    const h = nodeHarness({ address: undefined })
    t.after(() => h.close())
    h.connector.addAccount(testAccount('kid', { relation: 'child' }))
    h.connector.addAccount(testAccount('mom', { relation: 'parent' }))
    h.connector.addAccount(testAccount('named', { relation: 'child', ilpAddress: 'test.elsewhere.named' }))
    assert.equal(h.connector.address, undefined)
    assert.equal(h.connector.routes.lookup('test.node.kid'), h.connector.routes.get(''))
    assert.equal(h.connector.routes.lookup('test.elsewhere.named.x')?.nextHop, 'named')
    h.connector.setAddress('test.node')
    assert.equal(h.connector.routes.lookup('test.node.kid.stream')?.nextHop, 'kid')
    assert.equal(h.connector.routes.lookup('test.other')?.nextHop, 'mom')
    await h.connector.removeAccount('mom')
    assert.equal(h.connector.routes.lookup('test.other'), undefined)
    assert.equal(h.connector.getAccount('mom'), undefined)
    assert.deepEqual(
      h.connector.accounts().map((a) => a.id),
      ['kid', 'named'],
    )
  })

  test('updateAccount replaces static routes and limits', async (t) => {
    const h = nodeHarness()
    t.after(() => h.close())
    h.connector.addAccount(testAccount('p', { routes: ['test.a'] }))
    h.connector.updateAccount(testAccount('p', { routes: ['test.b'] }))
    assert.equal(h.connector.routes.lookup('test.a'), undefined)
    assert.equal(h.connector.routes.lookup('test.b')?.nextHop, 'p')
    assert.throws(() => h.connector.updateAccount(testAccount('nobody')), RangeError)
    assert.throws(() => h.connector.addAccount(testAccount('p')), RangeError)
  })

  test('a packet from an unknown account gets T00 and a closed connector answers T00', async () => {
    const h = nodeHarness()
    assertReject(await h.connector.handleIncoming('ghost', testPrepare({ destination: 'test.x' })), 'T00')
    await h.close()
    h.connector.addAccount(testAccount('late'))
    assertReject(await h.connector.handleIncoming('late', testPrepare({ destination: 'test.x' })), 'T00')
  })
})

describe('connector: peer protocols', () => {
  test('peer.config answers a child by ILDCP with its address and asset', async (t) => {
    const h = nodeHarness()
    t.after(() => h.close())
    h.connector.addAccount(testAccount('kid', { relation: 'child', assetCode: 'EUR', assetScale: 9 }))
    h.connector.addAccount(testAccount('named', { relation: 'child', ilpAddress: 'test.node.custom' }))
    const reply = await h.connector.handleIncoming('kid', ildcpRequest({ now: Date.now }))
    assert.ok(isFulfill(reply))
    assert.deepEqual(ildcpResponseFromFulfill(reply), { clientAddress: 'test.node.kid', assetScale: 9, assetCode: 'EUR' })
    const named = await h.connector.handleIncoming('named', ildcpRequest({ now: Date.now }))
    assert.ok(isFulfill(named))
    assert.equal(ildcpResponseFromFulfill(named).clientAddress, 'test.node.custom')
    await assertUntouched(h, ['kid', 'named'])
  })

  test('peer.config: F02 for a non-child, F00 for an expired request, F00 with an amount', async (t) => {
    const h = nodeHarness()
    t.after(() => h.close())
    h.connector.addAccount(testAccount('peer1'))
    h.connector.addAccount(testAccount('kid', { relation: 'child' }))
    assertReject(await h.connector.handleIncoming('peer1', ildcpRequest({ now: Date.now })), 'F02')
    assertReject(await h.connector.handleIncoming('kid', ildcpRequest({ now: Date.now, expiresAt: new Date(Date.now() - 1) })), 'F00')
    assertReject(await h.connector.handleIncoming('kid', { ...ildcpRequest({ now: Date.now }), amount: 5n }), 'F00')
    await assertUntouched(h, ['peer1', 'kid'])
  })

  test('peer.config before the node knows its address: T00 unless the child has an ilpAddress', async (t) => {
    const h = nodeHarness({ address: undefined })
    t.after(() => h.close())
    h.connector.addAccount(testAccount('kid', { relation: 'child' }))
    assertReject(await h.connector.handleIncoming('kid', ildcpRequest({ now: Date.now })), 'T00', '')
  })

  test('peer.route goes to the registered handler, else F02; other peer.* never forwarded', async (t) => {
    const h = nodeHarness()
    t.after(() => h.close())
    h.connector.addAccount(testAccount('p', { routes: ['peer'] }))
    const req = (destination: string) => testPrepare({ destination, amount: 0n })
    assertReject(await h.connector.handleIncoming('p', req('peer.route.control')), 'F02')
    const calls: string[] = []
    h.connector.setPeerHandler('peer.route', async (prepare, from) => {
      calls.push(`${from.id} ${prepare.destination}`)
      return { type: 13, fulfillment: new Uint8Array(32), data: new Uint8Array(0) } as IlpReply
    })
    assert.ok(isFulfill(await h.connector.handleIncoming('p', req('peer.route.update'))))
    assert.deepEqual(calls, ['p peer.route.update'])
    assertReject(await h.connector.handleIncoming('p', req('peer.routex')), 'F02')
    assertReject(await h.connector.handleIncoming('p', req('peer.settle')), 'F02')
    h.connector.setPeerHandler('peer.route', undefined)
    assertReject(await h.connector.handleIncoming('p', req('peer.route.update')), 'F02')
    assert.throws(() => h.connector.setPeerHandler('g.route', async () => ({}) as IlpReply), RangeError)
  })
})

describe('connector: malformed input', () => {
  test('F01 for a malformed Prepare object or undecodable bytes, nothing changes', async (t) => {
    const { h, seen } = aliceAndBob()
    t.after(() => h.close())
    const good = testPrepare({ destination: 'test.bob' })
    const bad = [
      { ...good, executionCondition: new Uint8Array(31) },
      { ...good, amount: -1n },
      { ...good, amount: 1n << 64n },
      { ...good, destination: 'test.' },
      { ...good, data: new Uint8Array(32768) },
      { ...good, expiresAt: new Date(Number.NaN) },
    ]
    for (const prepare of bad) assertReject(await h.connector.handleIncoming('alice', prepare), 'F01')
    assertReject(await h.connector.handleIncoming('alice', null as never), 'F01')
    const bytes = encodePrepare(good)
    for (const garbage of [new Uint8Array(0), bytes.subarray(0, 20), new Uint8Array([12, 1, 0]), Uint8Array.of(13, ...bytes.subarray(1))]) {
      const reply = await h.connector.handleIncomingBytes('alice', garbage)
      assert.equal(reply[0], 14)
      assert.equal(String.fromCharCode(reply[2]!, reply[3]!, reply[4]!), 'F01')
    }
    assert.equal(seen.length, 0)
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('handleIncomingBytes forwards a good Prepare and encodes the reply', async (t) => {
    const { h, secret } = aliceAndBob()
    t.after(() => h.close())
    const reply = await h.connector.handleIncomingBytes('alice', encodePrepare(testPrepare({ destination: 'test.bob', amount: 3n }, secret)))
    assert.equal(reply[0], 13)
    assert.equal(h.ledger.snapshot('bob').balance, 3n)
  })

  test('an exception inside the pipeline becomes T00 and releases what was held', async (t) => {
    const errors: unknown[] = []
    const logger = { debug() {}, info() {}, warn() {}, error: (obj: object) => void errors.push(obj) }
    const { h } = aliceAndBob({
      logger,
      rates: {
        rate: () => {
          throw new Error('rates backend bug')
        },
        snapshot: () => ({ base: undefined, rates: {}, updatedAt: undefined, ageMs: undefined, stale: false, lastError: undefined }),
        close: () => undefined,
      },
    })
    t.after(() => h.close())
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob' })), 'T00')
    assert.equal(errors.length, 1)
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('an observer that throws does not break the packet', async (t) => {
    const { h, secret } = aliceAndBob({
      observer: {
        onPacket() {
          throw new Error('metrics bug')
        },
      },
    })
    t.after(() => h.close())
    assert.ok(isFulfill(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob' }, secret))))
  })
})

describe('connector: derived routes leave other routes alone', () => {
  test('updating an account keeps a static route added by someone else (admin API)', async (t) => {
    const h = nodeHarness()
    t.after(() => h.close())
    h.connector.addAccount(testAccount('p', { routes: ['test.a'] }))
    h.connector.routes.add({ prefix: 'test.admin', nextHop: 'p', source: 'static' })
    h.connector.updateAccount(testAccount('p', { routes: ['test.b'] }))
    assert.equal(h.connector.routes.lookup('test.admin')?.nextHop, 'p')
    assert.equal(h.connector.routes.lookup('test.a'), undefined)
    assert.equal(h.connector.routes.find('test.b', 'static')?.nextHop, 'p')
  })
})

describe('connector: default route', () => {
  test('moves to another parent when its parent goes, survives a static default route, and goes when no parent is left', async (t) => {
    const h = nodeHarness()
    t.after(() => h.close())
    h.connector.addAccount(testAccount('p1', { relation: 'parent' }))
    h.connector.addAccount(testAccount('p2', { relation: 'parent' }))
    assert.equal(h.connector.routes.find('', 'local')?.nextHop, 'p1')
    h.connector.routes.add({ prefix: '', nextHop: 'p2', source: 'static' })
    await h.connector.removeAccount('p1')
    assert.equal(h.connector.routes.find('', 'local')?.nextHop, 'p2')
    h.connector.updateAccount(testAccount('p2', { relation: 'peer' }))
    assert.equal(h.connector.routes.find('', 'local'), undefined)
    assert.equal(h.connector.routes.lookup('test.anything')?.source, 'static')
  })
})
