/** The next hop misbehaves: the sender always gets a timely answer and no balance moves for an unfulfilled packet. */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { isFulfill } from '../ilp/types.js'
import { aliceAndBob, assertReject, assertUntouched, fulfillWith, newSecret, testPrepare } from './testing.js'

const WINDOW_MS = 100
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe('connector faults', () => {
  test('next hop never answers: R00 at the outgoing expiry, before the incoming one; nothing committed', async (t) => {
    const { h, bob } = aliceAndBob({ minMessageWindowMs: WINDOW_MS })
    t.after(() => h.close())
    bob.setFault(() => ({ kind: 'drop' }))
    const started = Date.now()
    const incomingExpiry = started + 700
    const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', expiresAt: new Date(incomingExpiry) }))
    const answeredAt = Date.now()
    assertReject(reply, 'R00')
    assert.ok(answeredAt >= incomingExpiry - WINDOW_MS, `answered ${incomingExpiry - WINDOW_MS - answeredAt} ms before the outgoing expiry`)
    assert.ok(answeredAt < incomingExpiry, `answered ${answeredAt - incomingExpiry} ms after the incoming expiry`)
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('next hop fulfills after the outgoing expiry: R00 upstream, the late Fulfill is dropped, nothing committed', async (t) => {
    const { h, bob, secret } = aliceAndBob({ minMessageWindowMs: WINDOW_MS })
    t.after(() => h.close())
    bob.setFault(() => ({ kind: 'delay-reply', ms: 500 }))
    const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', expiresAt: new Date(Date.now() + 400) }, secret))
    assertReject(reply, 'R00')
    await sleep(300) // the Fulfill arrives now and must change nothing
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('wrong fulfillment: F05 upstream, nothing committed', async (t) => {
    const { h, bob } = aliceAndBob()
    t.after(() => h.close())
    bob.handle(async () => fulfillWith(newSecret()))
    const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob' }))
    assertReject(reply, 'F05')
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('next hop gets the Prepare twice: one Fulfill upstream, committed once', async (t) => {
    const { h, bob, secret, seen } = aliceAndBob()
    t.after(() => h.close())
    bob.setFault(() => ({ kind: 'duplicate' }))
    const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 40n }, secret))
    assert.ok(isFulfill(reply))
    assert.equal(seen.length, 2)
    assert.equal(h.ledger.snapshot('alice').balance, -40n)
    assert.equal(h.ledger.snapshot('bob').balance, 40n)
    assert.equal((await h.ledger.readJournal()).length, 1)
    assert.equal((await h.ledger.verify()).ok, true)
  })

  test('a commit that fails: T00 upstream, holds stay reserved (the next hop was paid), error logged', async (t) => {
    const errors: object[] = []
    const { h, secret } = aliceAndBob({ logger: { debug() {}, info() {}, warn() {}, error: (o: object) => void errors.push(o) } })
    t.after(() => h.close())
    const commit = h.ledger.commit.bind(h.ledger)
    ;(h.ledger as { commit: typeof commit }).commit = async () => {
      throw new Error('disk full')
    }
    const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 5n }, secret))
    assertReject(reply, 'T00')
    assert.equal(errors.length, 1)
    assert.equal(h.ledger.snapshot('alice').pendingIncoming, 5n)
    assert.equal(h.ledger.snapshot('bob').pendingOutgoing, 5n)
    assert.equal(h.ledger.liveHolds(), 2)
  })

  test('a stage that throws after the incoming hold was taken: T00 upstream, the hold released, nothing committed', async (t) => {
    const errors: object[] = []
    const rates = {
      rate(): never {
        throw new Error('rate table corrupted')
      },
    }
    const { h, secret } = aliceAndBob({ rates: rates as never, logger: { debug() {}, info() {}, warn() {}, error: (o: object) => void errors.push(o) } })
    t.after(() => h.close())
    const reply = await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 5n }, secret))
    assertReject(reply, 'T00')
    assert.equal(errors.length, 1)
    assert.equal(h.ledger.liveHolds(), 0)
    await assertUntouched(h, ['alice', 'bob'])
  })

  test('T03 past packetsInFlightMax; capacity comes back as packets finish', async (t) => {
    const { h, bob, secret } = aliceAndBob({ packetsInFlightMax: 2 })
    t.after(() => h.close())
    bob.setFault(() => ({ kind: 'delay-reply', ms: 30 }))
    const first = [1, 2].map(() => h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 1n }, secret)))
    await sleep(5)
    assertReject(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 1n }, secret)), 'T03')
    assert.ok((await Promise.all(first)).every(isFulfill))
    assert.ok(isFulfill(await h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', amount: 1n }, secret))))
    assert.equal(h.ledger.snapshot('alice').balance, -3n)
    assert.equal(h.ledger.liveHolds(), 0)
  })

  test('closing the connector answers packets in flight at once and closes the links', async () => {
    const { h, bob } = aliceAndBob()
    bob.setFault(() => ({ kind: 'drop' }))
    const inFlight = h.connector.handleIncoming('alice', testPrepare({ destination: 'test.bob', expiresAt: new Date(Date.now() + 20_000) }))
    await sleep(10)
    await h.connector.close()
    const reply = await inFlight
    assert.ok(reply.type === 14 && ['T01', 'R00'].includes(reply.code), reply.type === 14 ? reply.code : 'fulfill')
    assert.equal(bob.connected, false)
    assert.equal(h.ledger.liveHolds(), 0)
    await h.ledger.close()
  })
})
