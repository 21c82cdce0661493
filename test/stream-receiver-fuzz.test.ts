/**
 * Property test of the receiver as a whole: random packets (random frames, amounts, minimums, conditions,
 * replays, tampering) from several connections. Invariants: the handler always answers (never throws), a
 * Fulfill's fulfillment always hashes to the condition, and the money reported equals the money fulfilled.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { IlpPacketType, type IlpPrepare } from '../src/ilp/types.js'
import { deriveStreamKeys, encryptStreamPacket, fulfillmentFor, randomCondition, sha256 } from '../src/stream/crypto.js'
import { createStreamReceiver, type MoneyReceived } from '../src/stream/receiver.js'
import { FrameType } from '../src/stream/frames.js'
import { frameArb } from './stream-arbitraries.js'

const RUNS = 3_000

test(`receiver: ${RUNS} random packets keep every money invariant`, async (t) => {
  const money: MoneyReceived[] = []
  const receiver = createStreamReceiver({
    address: 'test.bob',
    serverSecret: randomBytes(32),
    assetCode: 'EUR',
    assetScale: 2,
    streamReceiveMax: 1_000_000n,
    onMoney: (e) => void money.push(e),
  })
  t.after(() => receiver.close())
  const fresh = () => {
    const c = receiver.generateCredentials()
    return { ...c, keys: deriveStreamKeys(c.sharedSecret), next: 1n }
  }
  const connections = [0, 1, 2, 3].map(fresh)
  const sent: IlpPrepare[] = []
  let fulfilled = 0n

  const op = fc.record({
    conn: fc.integer({ min: 0, max: connections.length - 1 }),
    sequence: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 40n }) }),
    amount: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 5_000n }), fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn })),
    min: fc.oneof({ weight: 3, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 6_000n }) }),
    moneyOn: fc.oneof({ weight: 20, arbitrary: fc.constantFrom(1n, 3n, 5n) }, { weight: 1, arbitrary: fc.constantFrom(2n, 21n) }),
    shares: fc.bigInt({ min: 0n, max: 1_000n }),
    // Mostly well-formed packets; sometimes random (often hostile) frames too.
    extra: fc.oneof({ weight: 10, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(frameArb.filter((f) => !('streamId' in f) || f.streamId < 30n), { maxLength: 3 }) }),
    fulfillable: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    action: fc.constantFrom('new', 'new', 'new', 'new', 'replay', 'tamper', 'reconnect'),
  })

  await fc.assert(
    fc.asyncProperty(op, async (o) => {
      if (o.action === 'reconnect') connections[o.conn] = fresh()
      const c = connections[o.conn]!
      let prepare: IlpPrepare
      if (o.action === 'replay' && sent.length > 0) {
        prepare = sent[Number(o.sequence ?? 0n) % sent.length]!
      } else {
        const frames = [{ type: FrameType.StreamMoney as const, streamId: o.moneyOn, shares: o.shares }, ...o.extra]
        const data = encryptStreamPacket(c.keys.encryptionKey, { sequence: o.sequence ?? c.next++, packetType: IlpPacketType.Prepare, amount: o.min, frames })
        if (o.action === 'tamper') data[data.length - 1]! ^= 1
        const executionCondition = o.fulfillable ? sha256(fulfillmentFor(c.keys.fulfillmentKey, data)) : randomCondition()
        prepare = { type: IlpPacketType.Prepare, amount: o.amount, expiresAt: new Date(Date.now() + 30_000), executionCondition, destination: c.destinationAccount, data }
        sent.push(prepare)
      }
      const reply = await receiver.handlePrepare(prepare)
      if (reply.type === IlpPacketType.Fulfill) {
        const hash = createHash('sha256').update(reply.fulfillment).digest()
        assert.ok(hash.equals(Buffer.from(prepare.executionCondition)), 'fulfillment matches the condition')
        fulfilled += prepare.amount
      } else {
        assert.match(reply.code, /^[FTR]\d\d$/)
      }
      assert.equal(receiver.totalReceived, fulfilled)
      assert.equal(money.reduce((sum, e) => sum + e.amount, 0n), fulfilled)
    }),
    { numRuns: RUNS },
  )
  assert.ok(fulfilled > 0n, 'some packets were fulfilled')
  assert.ok(money.length > 300, `enough fulfilled packets carried money (${money.length})`)
})
