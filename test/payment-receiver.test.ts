/**
 * The library without a node (brief issue 5 §4): createReceiver on a link to a parent connector learns its
 * address by ILDCP and serves SPSP; payToPointer pays it over another link into the same connector.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createMemoryLedger } from '../src/accounts/index.js'
import { createConnector } from '../src/connector/index.js'
import { createLoopbackLinkPair } from '../src/link/loopback.js'
import { createReceiver } from '../src/spsp/receiver.js'
import { payToPointer } from '../src/spsp/pay.js'

test('createReceiver (address by ILDCP, SPSP on 127.0.0.1) is paid by payToPointer over a link', async (t) => {
  const ledger = createMemoryLedger()
  const connector = createConnector({ address: 'test.hub', assetCode: 'XRP', assetScale: 6, ledger })
  const [hubToShop, shopToHub] = createLoopbackLinkPair()
  const [hubToPayer, payerToHub] = createLoopbackLinkPair()
  connector.addAccount({ id: 'shop', relation: 'child', assetCode: 'XRP', assetScale: 6 }, hubToShop)
  connector.addAccount({ id: 'payer', relation: 'child', assetCode: 'XRP', assetScale: 6, minBalance: -1_000_000n, maxPacketAmount: 2_000n }, hubToPayer)
  const moneyEvents: bigint[] = []
  const receiver = await createReceiver({ link: shopToHub, onMoney: (e) => void moneyEvents.push(e.amount) })
  t.after(async () => {
    await receiver.close()
    await connector.close()
  })
  assert.equal(receiver.address, 'test.hub.shop')
  assert.equal(receiver.assetCode, 'XRP')
  assert.match(receiver.spspUrl!, /^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/pay$/)

  const progress: bigint[] = []
  const result = await payToPointer({ destination: receiver.spspUrl!, amount: 50_000n, link: payerToHub, onProgress: (p) => void progress.push(p.amountSent) })
  assert.equal(result.status, 'completed', JSON.stringify(result.error))
  assert.equal(result.amountSent, 50_000n)
  assert.equal(result.amountDelivered, 50_000n)
  assert.ok(result.packetsFulfilled >= 25)
  assert.equal(result.endpoint, receiver.spspUrl)
  assert.ok(progress.length > 0 && progress.at(-1)! <= 50_000n)
  assert.equal(receiver.totalReceived, 50_000n)
  assert.equal(moneyEvents.reduce((a, b) => a + b, 0n), 50_000n)
  assert.equal(ledger.snapshot('payer').balance, -50_000n)
  assert.equal(ledger.snapshot('shop').balance, 50_000n)

  // A pointer that cannot be resolved is a failed result, not a throw; nothing moves.
  const bad = await payToPointer({ destination: '$user@example.com', amount: 1n, link: payerToHub })
  assert.equal(bad.status, 'failed')
  assert.equal(bad.error?.code, 'SPSP_INVALID_POINTER')
  assert.equal(ledger.snapshot('payer').balance, -50_000n)
})

test('the package root `pay` takes a payment pointer / SPSP URL, or STREAM credentials', async (t) => {
  const root = await import('../src/index.js')
  const ledger = createMemoryLedger()
  const connector = createConnector({ address: 'test.hub', assetCode: 'XRP', assetScale: 6, ledger })
  const [hubToShop, shopToHub] = createLoopbackLinkPair()
  const [hubToPayer, payerToHub] = createLoopbackLinkPair()
  connector.addAccount({ id: 'shop', relation: 'child', assetCode: 'XRP', assetScale: 6 }, hubToShop)
  connector.addAccount({ id: 'payer', relation: 'child', assetCode: 'XRP', assetScale: 6, minBalance: -1_000_000n }, hubToPayer)
  const receiver = await root.createReceiver({ link: shopToHub })
  t.after(async () => {
    await receiver.close()
    await connector.close()
  })
  const byUrl = await root.pay({ destination: receiver.spspUrl!, amount: 1_000n, link: payerToHub })
  assert.equal(byUrl.status, 'completed', JSON.stringify(byUrl.error))
  assert.equal(byUrl.amountDelivered, 1_000n)
  const spsp = await root.querySpsp(receiver.spspUrl!)
  const byCredentials = await root.pay({ destinationAccount: spsp.destinationAccount, sharedSecret: spsp.sharedSecret, amount: 500n, link: payerToHub })
  assert.equal(byCredentials.status, 'completed', JSON.stringify(byCredentials.error))
  assert.equal(receiver.totalReceived, 1_500n)
  assert.equal(ledger.snapshot('shop').balance, 1_500n)
})
