import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { encodeAmountTooLargeData } from '../ilp/errors.js'
import { Ratio } from '../money/ratio.js'
import { initialCongestion, isBackingOff, onAmountTooLarge, onFulfill, onTemporaryReject, packetAmountLimit, packetsAllowed } from './congestion.js'
import { InFlightPackets, planPacket, type PaymentState } from './payment.js'

describe('congestion (pure)', () => {
  test('slow start doubles per round trip, capped at the window maximum', () => {
    let c = initialCongestion(8)
    for (let i = 0; i < 20; i++) c = onFulfill(c, 1n)
    assert.equal(packetsAllowed(c), 8)
  })

  test('a T-error halves the window and ends slow start; at one packet it also backs off exponentially', () => {
    let c = initialCongestion(20)
    for (let i = 0; i < 7; i++) c = onFulfill(c, 1n)
    c = onTemporaryReject(c, 'T02', 10n, 1_000)
    assert.equal(packetsAllowed(c), 4)
    assert.ok(!isBackingOff(c, 1_000), 'no wait while the window can still shrink')
    assert.equal(onFulfill(c, 1n).window, c.window + 1 / c.window)
    let floor = initialCongestion(20)
    floor = onTemporaryReject(floor, 'T02', 10n, 1_000)
    assert.ok(isBackingOff(floor, 1_050))
    assert.ok(!isBackingOff(floor, 1_100))
    const again = onTemporaryReject(floor, 'T02', 10n, 2_000)
    assert.equal(again.backoffUntilMs, 2_200)
    assert.equal(onFulfill(again, 1n).backoffMs, 100)
  })

  test('T04 shrinks the packet size to 2/3 and Fulfills grow it back', () => {
    let c = onTemporaryReject(initialCongestion(20), 'T04', 900n, 0)
    assert.equal(packetAmountLimit(c), 600n)
    c = onFulfill(c, 600n)
    assert.equal(packetAmountLimit(c), 1_200n)
  })

  test('F08: the max from data is sent × max / received, else sent − 1; never above a known max', () => {
    const c = initialCongestion(20)
    const withData = onAmountTooLarge(c, 1_000n, encodeAmountTooLargeData({ receivedAmount: 500n, maximumAmount: 100n }))!
    assert.equal(withData.maxPacketAmount, 200n)
    assert.equal(onAmountTooLarge(c, 1_000n, new Uint8Array(0))!.maxPacketAmount, 999n)
    assert.equal(onAmountTooLarge(withData, 1_000n, new Uint8Array(0))!.maxPacketAmount, 200n)
    assert.equal(onAmountTooLarge(c, 1n, new Uint8Array(0)), undefined)
  })
})

describe('planPacket (pure)', () => {
  const base = (over: Partial<PaymentState>): PaymentState => ({
    target: { kind: 'source', amount: 1_000n },
    rate: Ratio.from(1n, 2n),
    minRate: Ratio.from(99n, 200n),
    sent: 0n,
    delivered: 0n,
    inFlight: new InFlightPackets(),
    packetsFulfilled: 0,
    packetsRejected: 0,
    rejectsByCode: {},
    congestion: initialCongestion(20, 300n),
    rateFailures: 0,
    remoteKnowsUs: true,
    lastFulfillMs: 0,
    ...over,
  })

  test('fixed source: capped by the max packet amount, minimum = ⌊amount × minRate⌋', () => {
    assert.deepEqual(planPacket(base({})), { amount: 300n, minDelivery: 148n })
    assert.deepEqual(planPacket(base({ sent: 900n })), { amount: 100n, minDelivery: 49n })
    assert.equal(planPacket(base({ sent: 1_000n })), undefined)
  })

  test('fixed delivery: sized from the probed rate so it does not over-deliver; minimum from the slippage', () => {
    const s = base({ target: { kind: 'delivery', amount: 100n }, congestion: initialCongestion(20) })
    const p = planPacket(s)!
    assert.equal(p.amount, 200n) // ⌈100 / (1/2)⌉: exactly 100 at the probed rate
    assert.equal(p.minDelivery, 99n) // ⌊200 × 99/200⌋
  })

  test('fixed delivery: the last units are sized from the minimum rate so the packet is sure of progress', () => {
    const s = base({ target: { kind: 'delivery', amount: 100n }, delivered: 99n, congestion: initialCongestion(20) })
    const p = planPacket(s)!
    // ⌈1 / (1/2)⌉ = 2 would be sure of only ⌊2 × 99/200⌋ = 0, so ⌈1 / (99/200)⌉ = 3 goes instead.
    assert.deepEqual(p, { amount: 3n, minDelivery: 1n })
  })

  test('fixed delivery: packets in flight count at what they should deliver', () => {
    const inFlight = new InFlightPackets([[1n, { amount: 100n, minDelivery: 49n }]])
    const s = base({ target: { kind: 'delivery', amount: 100n }, inFlight, congestion: initialCongestion(20) })
    assert.deepEqual(planPacket(s), { amount: 100n, minDelivery: 49n })
  })

  test('the receiver\'s room caps the packet; no room, no packet', () => {
    assert.deepEqual(planPacket(base({ remoteRoom: 50n })), { amount: 100n, minDelivery: 49n })
    assert.equal(planPacket(base({ remoteRoom: 0n })), undefined)
  })
})
