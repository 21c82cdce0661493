import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createNode, type NodePluginFactory } from '../src/node/node.js'
import type { Transport } from '../src/node/transports.js'
import { createLoopbackLinkPair } from '../src/link/loopback.js'
import { IlpPacketType, isFulfill, isReject } from '../src/ilp/types.js'
import type { Account } from '../src/accounts/types.js'
import { admin, CONDITION, FULFILLMENT, sendPrepare, testConfig } from './node-harness.js'

const ALICE_TOKEN = 'alice-incoming-token'

test('a plugin adds a transport (links by account settings) and admin routes behind the token', async (t) => {
  const [nodeEnd, peerEnd] = createLoopbackLinkPair()
  const seen: bigint[] = []
  peerEnd.handle(async (prepare) => {
    seen.push(prepare.amount)
    return { type: IlpPacketType.Fulfill, fulfillment: FULFILLMENT, data: new Uint8Array(0) }
  })
  t.after(() => peerEnd.close())
  const accountsSeen: string[][] = []
  let stopped = false
  const loopTransport: Transport = {
    name: 'loop',
    url: undefined,
    async start() {},
    accountsChanged: (accounts: readonly Account[]) => void accountsSeen.push(accounts.map((a) => a.id)),
    linkFor: (account) => (account.id === 'loopy' ? nodeEnd : undefined),
    async stop() {},
  }
  const plugin: NodePluginFactory = (ctx) => ({
    name: 'loop',
    transport: loopTransport,
    registerAdmin(app) {
      app.get('/loop', async () => ({ address: ctx.connector.address, accounts: ctx.connector.accounts().length }))
    },
    stop: () => void (stopped = true),
  })
  const node = createNode(
    testConfig({ accounts: [{ id: 'alice', relation: 'child', min_balance: -1000, http: { incoming_token: ALICE_TOKEN } }] }),
    { plugins: [plugin] },
  )
  await node.start()
  t.after(() => node.stop())
  const api = admin(node.adminUrl!)

  assert.equal((await admin(node.adminUrl!, null)('GET', '/loop')).status, 401, 'plugin routes are behind the token')
  assert.deepEqual((await api('GET', '/loop')).body, { address: 'test.router', accounts: 1 })

  // An account added at run time gets its link from the plugin's transport.
  assert.equal((await api('POST', '/accounts', { id: 'loopy', relation: 'child' })).status, 201)
  assert.deepEqual(accountsSeen.at(-1), ['alice', 'loopy'], 'transports hear about every change')
  const reply = await sendPrepare(node.listenerUrl('http')!, 'alice', ALICE_TOKEN, 'test.router.loopy.x', 30n, CONDITION)
  assert.ok(isFulfill(reply), JSON.stringify(reply))
  assert.deepEqual(seen, [30n])
  const health = await api('GET', '/health')
  assert.ok(health.body.links.some((l: { account: string; transport: string; connected: boolean }) => l.account === 'loopy' && l.transport === 'loop' && l.connected))

  // Removing the account closes its link: the peer end sees nothing more.
  assert.equal((await api('DELETE', '/accounts/loopy')).status, 204)
  const after = await sendPrepare(node.listenerUrl('http')!, 'alice', ALICE_TOKEN, 'test.router.loopy.x', 30n, CONDITION)
  assert.ok(isReject(after))
  assert.deepEqual(seen, [30n])
  await node.stop()
  assert.ok(stopped, 'plugins are stopped with the node')
})
