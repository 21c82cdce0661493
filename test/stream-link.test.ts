/**
 * pay() over a real Link (the in-process loopback pair, packets crossing as bytes) with link faults: lost
 * answers (the sender's deadline turns them into R00 and it retries), duplicated Prepares (the receiver's
 * replay window refuses the copy) and link failures (T01, retried).
 *
 * A lost answer to a packet the receiver fulfilled is money the sender cannot know arrived: in a real network
 * the hop that lost the Fulfill bears it. So the receiver may get more than the sender counts, by at most the
 * packets whose answers were lost, and never twice for one packet.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createLoopbackLinkPair, type LoopbackFault } from '../src/link/loopback.js'
import { IlpPacketType } from '../src/ilp/types.js'
import { createStreamReceiver, type MoneyReceived } from '../src/stream/receiver.js'
import { pay } from '../src/stream/sender.js'

test('pay() over a faulty loopback link: lost answers, duplicates and link failures; no packet credited twice', async (t) => {
  const money: MoneyReceived[] = []
  const receiver = createStreamReceiver({ address: 'test.bob', serverSecret: randomBytes(32), assetCode: 'EUR', assetScale: 2, onMoney: (e) => void money.push(e) })
  let n = 0
  const faults: Record<string, number> = {}
  const [senderLink, receiverLink] = createLoopbackLinkPair({
    fault: (prepare) => {
      if (prepare.executionCondition.length !== 32 || prepare.amount === 0n) return undefined
      const i = n++
      const fault: LoopbackFault | undefined =
        i % 17 === 3 ? { kind: 'drop' } : i % 11 === 5 ? { kind: 'duplicate' } : i % 13 === 7 ? { kind: 'fail', code: 'LINK_DOWN' } : undefined
      if (fault) faults[fault.kind] = (faults[fault.kind] ?? 0) + 1
      return fault
    },
  })
  receiverLink.handle((prepare) => receiver.handlePrepare(prepare))
  t.after(async () => {
    receiver.close()
    await senderLink.close()
    await receiverLink.close()
  })

  const result = await pay({ ...receiver.generateCredentials(), link: senderLink, amount: 100_000n, maxPacketAmount: 1_000n, expiryWindowMs: 200 })
  assert.equal(result.status, 'completed', JSON.stringify(result.error))
  assert.equal(result.amountSent, 100_000n)
  const credited = money.reduce((sum, e) => sum + e.amount, 0n)
  const lost = BigInt((faults.drop ?? 0) + (faults.duplicate ?? 0)) * 1_000n
  assert.ok(credited >= 100_000n && credited <= 100_000n + lost, `credited ${credited}, lost answers ${lost}`)
  assert.equal(receiver.totalReceived, credited)
  const sequences = money.map((e) => `${e.connectionId}/${e.sequence}`)
  assert.equal(new Set(sequences).size, sequences.length, 'no packet credited twice')
  assert.ok((faults.drop ?? 0) > 0 && (faults.duplicate ?? 0) > 0 && (faults.fail ?? 0) > 0, JSON.stringify(faults))
  assert.ok((result.rejectsByCode.R00 ?? 0) > 0, 'dropped packets time out')
  assert.ok((result.rejectsByCode.T01 ?? 0) > 0, 'link failures are T01')
  assert.equal(IlpPacketType.Prepare, 12)
})
