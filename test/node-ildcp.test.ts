import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createNode } from '../src/node/node.js'
import { isFulfill } from '../src/ilp/types.js'
import { admin, sendPrepare, startFulfillingPeer, testConfig } from './node-harness.js'

const KID_TOKEN = 'kid-btp-token-0123'
const ALICE_TOKEN = 'alice-incoming-token'

test('a child node with no address learns it from its parent over BTP (ILDCP), then routes through it', async (t) => {
  const shop = await startFulfillingPeer()
  t.after(() => shop.close())
  const parent = createNode(
    testConfig({
      ilp_address: 'test.parent',
      btp: { listen: '127.0.0.1:0' },
      accounts: [
        { id: 'kid', relation: 'child', min_balance: -1_000_000, btp: { incoming_token: KID_TOKEN } },
        { id: 'shop', relation: 'child', http: { url: shop.url } },
      ],
    }),
  )
  await parent.start()
  t.after(() => parent.stop())
  const btpUrl = parent.listenerUrl('btp')!.replace(/^ws:\/\//, `btp+ws://kid:${KID_TOKEN}@`)

  const child = createNode(
    testConfig({
      ilp_address: undefined,
      accounts: [
        { id: 'up', relation: 'parent', btp: { url: btpUrl } },
        { id: 'alice', relation: 'child', min_balance: -1_000_000, http: { incoming_token: ALICE_TOKEN } },
      ],
    }),
  )
  assert.equal(child.address, undefined, 'no address until the parent answers')
  await child.start()
  t.after(() => child.stop())
  const learned = await Promise.race([child.addressKnown(), new Promise<string>((_, reject) => setTimeout(() => reject(new Error('ILDCP timed out')), 10_000).unref())])
  assert.equal(learned, 'test.parent.kid')
  assert.equal(child.address, 'test.parent.kid')

  const health = await admin(child.adminUrl!)('GET', '/health')
  assert.equal(health.body.status, 'ok')
  assert.deepEqual(
    health.body.links.find((l: { account: string }) => l.account === 'up'),
    { account: 'up', transport: 'btp', connected: true },
  )

  // alice (child of the child) → child → BTP → parent → shop; the child's default route is its parent.
  const reply = await sendPrepare(child.listenerUrl('http')!, 'alice', ALICE_TOKEN, 'test.parent.shop.order', 250n)
  assert.ok(isFulfill(reply), JSON.stringify(reply))
  assert.deepEqual(shop.received, [250n])
  assert.equal((await admin(child.adminUrl!)('GET', '/accounts/alice/balance')).body.balance, '-250')
  assert.equal((await admin(child.adminUrl!)('GET', '/accounts/up/balance')).body.balance, '250')
  assert.equal((await admin(parent.adminUrl!)('GET', '/accounts/kid/balance')).body.balance, '-250')
  assert.equal((await admin(parent.adminUrl!)('GET', '/accounts/shop/balance')).body.balance, '250')
})
