/**
 * Property test of pay() end to end over random paths: exchange rate, maximum packet amount, injected
 * temporary failures, fixed source or fixed delivery. Invariants: the sender's counts equal what the path and
 * the receiver saw; a completed payment met its target; a fixed-source payment never sends more than asked.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { createStreamReceiver, type MoneyReceived } from '../src/stream/receiver.js'
import { pay } from '../src/stream/sender.js'
import { fakeConnector, t04 } from './stream-network.js'

test('pay(): 40 random paths keep every accounting invariant', async (t) => {
  const money: MoneyReceived[] = []
  const receiver = createStreamReceiver({ address: 'test.bob', serverSecret: randomBytes(32), assetCode: 'EUR', assetScale: 2, onMoney: (e) => void money.push(e) })
  t.after(() => receiver.close())

  const path = fc.record({
    // Rates 0.1..10 and at most a few hundred packets per payment keep the run short.
    rateNum: fc.bigInt({ min: 100n, max: 1_000n }),
    rateDen: fc.bigInt({ min: 100n, max: 1_000n }),
    maxPacket: fc.bigInt({ min: 1_000n, max: 100_000n }),
    t04Every: fc.constantFrom(0, 0, 7, 13),
    fixedDelivery: fc.boolean(),
    target: fc.bigInt({ min: 1n, max: 50_000n }),
    window: fc.integer({ min: 2, max: 30 }),
  })

  let runs = 0
  let packets = 0
  await fc.assert(
    fc.asyncProperty(path, async (p) => {
      runs++
      money.length = 0
      const net = fakeConnector(receiver.handlePrepare, {
        rate: { num: p.rateNum, den: p.rateDen },
        maxPacketAmount: p.maxPacket,
        intercept: (prepare, i) => (p.t04Every > 0 && prepare.amount > 0n && i % p.t04Every === p.t04Every - 1 ? t04() : undefined),
      })
      const result = await pay({
        ...receiver.generateCredentials(),
        sendPrepare: net.send,
        ...(p.fixedDelivery ? { fixedDelivery: p.target } : { amount: p.target }),
        packetsInFlightMax: p.window,
        idleTimeoutMs: 5_000,
      })
      packets += result.packetsFulfilled
      const credited = money.reduce((sum, e) => sum + e.amount, 0n)
      assert.equal(result.amountSent, net.stats.sourceFulfilled)
      assert.equal(result.amountDelivered, net.stats.destinationFulfilled)
      assert.equal(credited, net.stats.destinationFulfilled)
      assert.equal(result.amountInFlight, 0n)
      if (!p.fixedDelivery) assert.ok(result.amountSent <= p.target)
      if (result.status === 'completed') {
        if (p.fixedDelivery) assert.ok(result.amountDelivered >= p.target)
        else assert.equal(result.amountSent, p.target)
      } else {
        assert.fail(`an honest path failed: ${JSON.stringify({ p, e: result.error }, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`)
      }
    }),
    { numRuns: 40 },
  )
  assert.equal(runs, 40)
  assert.ok(packets >= 40, `payments were split into packets (${packets})`)
})
