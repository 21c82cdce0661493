/**
 * Through-the-node interop (brief issue 5): the reference senders (ilp-protocol-stream 2.7.1, @interledger/pay
 * 0.2.2) pay a local account of our connector, over SPSP served by us. Every packet's conversion is checked
 * to the unit against the rate, and the sums against the balances of every hop and the receiver's count.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import type { Account } from '../src/accounts/types.js'
import { createMemoryLedger } from '../src/accounts/index.js'
import { createConnector, createStaticRates, type PacketEvent } from '../src/connector/index.js'
import { createLocalPayments } from '../src/spsp/local.js'
import { listenSpsp } from '../src/spsp/http.js'
import { querySpsp } from '../src/spsp/client.js'
import { memoryPlugin, patchIlpProtocolStream, withMoneyStubs } from './payment-harness.js'
import { decodeReply, encodeIlpPacket } from '../src/ilp/packet.js'
import type { IlpPrepare } from '../src/ilp/types.js'
import { linkTo } from '../src/spsp/receiver.js'

const require = createRequire(import.meta.url)

/** alice: a remote sender (USD, scale 9) on an in-memory plugin, with credit; bob: local (EUR, scale 6). */
const alice: Account = { id: 'alice', relation: 'child', assetCode: 'USD', assetScale: 9, minBalance: -(10n ** 15n), btp: { incomingToken: 'x' }, maxPacketAmount: 40_000_000n }
const bob: Account = { id: 'bob', relation: 'child', assetCode: 'EUR', assetScale: 6 }
/** 1 USD = 0.9234567 EUR: rounding shows per packet. */
const EUR_PER_USD = { num: 9_234_567n, den: 10_000_000n }

async function makeNode(t: { after(fn: () => Promise<void>): void }) {
  const ledger = createMemoryLedger()
  const events: PacketEvent[] = []
  const connector = createConnector({
    address: 'test.node',
    assetCode: 'USD',
    assetScale: 9,
    ledger,
    rates: createStaticRates({ USD: '1', EUR: '0.9234567' }),
    observer: { onPacket: (e) => void events.push(e) },
  })
  const local = createLocalPayments({ connector, sendPayment: async () => assert.fail('no sending in this test') })
  connector.addAccount(alice)
  connector.addAccount(bob)
  connector.setLink('bob', local.transport.linkFor(bob))
  const spsp = await listenSpsp({ generateCredentials: (id, o) => local.receiver(id)?.generateCredentials(o.receipt ? { receipt: o.receipt } : {}) })
  t.after(async () => {
    local.close()
    await spsp.close()
    await connector.close()
  })
  const plugin = withMoneyStubs(memoryPlugin((bytes) => connector.handleIncomingBytes('alice', bytes)))
  return { ledger, connector, local, plugin, events, spspUrl: `${spsp.url}/bob` }
}

/** Checks every fulfilled hop alice → bob against the rate and the scales (USD 9 → EUR 6), returns the sums. */
function checkHops(events: readonly PacketEvent[]): { sent: bigint; delivered: bigint; packets: number } {
  let sent = 0n
  let delivered = 0n
  let packets = 0
  for (const e of events) {
    if (e.from !== 'alice' || e.to !== 'bob' || e.outcome !== 'fulfilled') continue
    const expected = (e.amountIn * EUR_PER_USD.num) / (EUR_PER_USD.den * 1000n)
    assert.equal(e.amountOut, expected, `packet of ${e.amountIn}`)
    sent += e.amountIn
    delivered += e.amountOut!
    packets++
  }
  return { sent, delivered, packets }
}

async function checkBalances(node: Awaited<ReturnType<typeof makeNode>>, sent: bigint, delivered: bigint): Promise<void> {
  const a = node.ledger.snapshot('alice')
  const b = node.ledger.snapshot('bob')
  assert.deepEqual(a, { balance: -sent, pendingIncoming: 0n, pendingOutgoing: 0n })
  assert.deepEqual(b, { balance: delivered, pendingIncoming: 0n, pendingOutgoing: 0n })
  assert.equal(node.local.backend.receiver('bob')!.amountReceived, delivered)
  const verify = await node.ledger.verify()
  assert.ok(verify.ok, JSON.stringify(verify.mismatches))
}

describe('reference senders pay our receiver through our connector', () => {
  test('ilp-protocol-stream: sendTotal over many packets, each converted exactly', async (t) => {
    patchIlpProtocolStream()
    const { createConnection } = require('ilp-protocol-stream') as typeof import('ilp-protocol-stream')
    const node = await makeNode(t)
    const answer = await querySpsp(node.spspUrl)
    assert.match(answer.destinationAccount, /^test\.node\.bob\./)
    const connection = await createConnection({ plugin: node.plugin as never, destinationAccount: answer.destinationAccount, sharedSecret: Buffer.from(answer.sharedSecret) })
    const stream = connection.createStream()
    const amount = 1_000_000_000n // 1 USD; max packet 0.04 USD → at least 25 packets
    await stream.sendTotal(amount.toString())
    const deliveredSeen = BigInt(connection.totalDelivered)
    await connection.end()

    const hops = checkHops(node.events)
    assert.ok(hops.packets >= 25, `${hops.packets} packets`)
    assert.equal(hops.sent, amount)
    assert.equal(hops.delivered, deliveredSeen)
    await checkBalances(node, amount, hops.delivered)
  })

  test('@interledger/pay: quote and pay our SPSP URL', async (t) => {
    const { quote } = require('@interledger/pay') as typeof import('@interledger/pay')
    const node = await makeNode(t)
    // amountToSend is in whole units of the source asset: 0.5 USD = 500,000,000 at scale 9.
    const q = await quote({ plugin: node.plugin as never, paymentPointer: node.spspUrl, amountToSend: '0.5', prices: { USD: 1, EUR: 1 / 0.9234567 } })
    assert.equal(q.destinationAccount.assetCode, 'EUR')
    assert.equal(q.destinationAccount.assetScale, 6)
    const receipt = await q.pay()
    assert.equal(receipt.error, undefined)
    const hops = checkHops(node.events)
    assert.equal(hops.sent, 500_000_000n)
    // Receipts count in whole units too: shift by the asset scales.
    assert.equal(BigInt(receipt.amountSent.shiftedBy(9).toFixed()), hops.sent)
    assert.equal(BigInt(receipt.amountDelivered.shiftedBy(6).toFixed()), hops.delivered)
    await checkBalances(node, hops.sent, hops.delivered)
  })
})

describe('our sender pays a reference receiver through our connector', () => {
  test('@interledger/stream-receiver behind a child account; payToPointer via its SPSP', async (t) => {
    const ilpPacket = require('ilp-packet') as typeof import('ilp-packet')
    const { StreamServer } = require('@interledger/stream-receiver') as typeof import('@interledger/stream-receiver')
    const ledger = createMemoryLedger()
    const events: PacketEvent[] = []
    const connector = createConnector({ address: 'test.node', assetCode: 'USD', assetScale: 9, ledger, rates: createStaticRates({ USD: '1', EUR: '0.9234567' }), observer: { onPacket: (e) => void events.push(e) } })
    const local = createLocalPayments({ connector })
    const payer: Account = { id: 'alice', relation: 'child', assetCode: 'USD', assetScale: 9, minBalance: -(10n ** 15n), maxPacketAmount: 40_000_000n }
    const shop: Account = { id: 'bob', relation: 'child', assetCode: 'EUR', assetScale: 6, btp: { incomingToken: 'not-local' } }
    connector.addAccount(payer)
    connector.setLink('alice', local.transport.linkFor(payer))
    // The reference receiver is bob's link: each Prepare crosses as bytes into ilp-packet and back.
    const server = new StreamServer({ serverSecret: Buffer.alloc(32, 3), serverAddress: 'test.node.bob' })
    const totals = new Map<string, bigint>()
    let received = 0n
    connector.addAccount(shop)
    connector.setLink('bob', linkTo(async (prepare: IlpPrepare) => {
      const theirs = ilpPacket.deserializeIlpPrepare(Buffer.from(encodeIlpPacket(prepare)))
      const answer = server.createReply(theirs)
      if (!('accept' in answer)) return decodeReply(new Uint8Array(ilpPacket.serializeIlpReply(answer)))
      const total = (totals.get(answer.connectionId) ?? 0n) + prepare.amount
      answer.setTotalReceived(total.toString())
      const fulfill = answer.accept()
      totals.set(answer.connectionId, total)
      received += prepare.amount
      return decodeReply(new Uint8Array(ilpPacket.serializeIlpReply(fulfill)))
    }))
    const spsp = await listenSpsp({
      generateCredentials: () => {
        const c = server.generateCredentials({ asset: { code: 'EUR', scale: 6 } })
        return { destinationAccount: c.ilpAddress, sharedSecret: c.sharedSecret }
      },
    })
    t.after(async () => {
      local.close()
      await spsp.close()
      await connector.close()
    })

    const result = await local.backend.pay({ from: 'alice', destination: `${spsp.url}/shop`, amount: 800_000_000n, fixedDelivery: false, allowHttp: false })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    const hops = checkHops(events)
    assert.ok(hops.packets >= 20, `${hops.packets} packets`)
    assert.equal(hops.sent, 800_000_000n)
    assert.equal(result.amountSent, hops.sent)
    assert.equal(result.amountDelivered, hops.delivered)
    assert.equal(received, hops.delivered, 'what the reference receiver accepted')
    assert.deepEqual(ledger.snapshot('alice'), { balance: -hops.sent, pendingIncoming: 0n, pendingOutgoing: 0n })
    assert.deepEqual(ledger.snapshot('bob'), { balance: hops.delivered, pendingIncoming: 0n, pendingOutgoing: 0n })
    assert.ok((await ledger.verify()).ok)
  })
})
