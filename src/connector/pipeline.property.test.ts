/**
 * Model-based check of the whole pipeline: random packets (amounts, destinations, expiries) against a next hop
 * that randomly fulfills, rejects, fulfills wrongly or fails at the link. Afterwards the ledger verifies, nothing
 * is held, and the balances equal exactly the sum of what was fulfilled.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { isFulfill, isReject, type IlpReply } from '../ilp/types.js'
import { LinkError } from '../link/types.js'
import { aliceAndBob, fulfillWith, newSecret, testAccount, testPrepare } from './testing.js'

type Behaviour = 'fulfill' | 'reject' | 'wrong' | 'link-down' | 'throw'

const packet = fc.record({
  amount: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 2_000n }), fc.constant(1n << 63n)),
  destination: fc.constantFrom('test.bob', 'test.bob.x.y', 'test.nowhere', 'test.alice.z', 'peer.x', 'g.live'),
  expiresInMs: fc.constantFrom(-5, 500, 1_500, 10_000, 120_000),
  behaviour: fc.constantFrom<Behaviour>('fulfill', 'reject', 'wrong', 'link-down', 'throw'),
})

const LOCAL_CODES = new Set(['F00', 'F01', 'F02', 'F05', 'F08', 'R02', 'T00', 'T01', 'T03', 'T04', 'T05', 'R00'])

describe('pipeline model', () => {
  test('balances equal the fulfilled sum; nothing held; the journal verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(packet, { minLength: 1, maxLength: 40 }), async (packets) => {
        const { h, bob } = aliceAndBob()
        try {
          h.connector.updateAccount(testAccount('alice', { routes: ['test.alice'], minBalance: -20_000n, maxPacketAmount: 1_500n, packetsPerMinute: 30 }))
          h.connector.updateAccount(testAccount('bob', { routes: ['test.bob'], maxBalance: 15_000n }))
          let expected = 0n
          for (const p of packets) {
            const secret = newSecret()
            const prepare = testPrepare({ destination: p.destination, amount: p.amount, expiresAt: new Date(Date.now() + p.expiresInMs) }, secret)
            bob.handle(async () => {
              switch (p.behaviour) {
                case 'fulfill':
                  return fulfillWith(secret)
                case 'reject':
                  return { type: 14, code: 'F99', triggeredBy: 'test.bob', message: '', data: new Uint8Array(0) } as IlpReply
                case 'wrong':
                  return fulfillWith(newSecret())
                case 'link-down':
                  throw new LinkError('LINK_DOWN', 'gone')
                case 'throw':
                  throw new Error('bug')
              }
            })
            // One at a time, so each packet meets the behaviour it was drawn with.
            const reply = await h.connector.handleIncoming('alice', prepare)
            if (isFulfill(reply)) {
              expected += p.amount
              assert.equal(p.behaviour, 'fulfill')
            } else if (isReject(reply) && reply.triggeredBy === 'test.node') {
              assert.ok(LOCAL_CODES.has(reply.code), `unexpected local code ${reply.code}`)
            }
          }
          assert.equal(h.ledger.snapshot('alice').balance, -expected)
          assert.equal(h.ledger.snapshot('bob').balance, expected)
          assert.equal(h.ledger.liveHolds(), 0)
          assert.equal((await h.ledger.verify()).ok, true)
          assert.ok(expected <= 15_000n, 'bob never goes past his max balance')
        } finally {
          await h.close()
        }
      }),
      { numRuns: 60 },
    )
  })
})
