import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode } from '../src/node/node.js'
import { isFulfill } from '../src/ilp/types.js'
import { verifyLedger } from '../src/accounts/verify.js'
import { admin, sendPrepare, startFulfillingPeer, testConfig } from './node-harness.js'

const ALICE_TOKEN = 'alice-incoming-token'

test('on sqlite, balances and accounts added over the API survive a stop and start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-node-restart-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const peer = await startFulfillingPeer()
  t.after(() => peer.close())
  const config = testConfig({
    store: `sqlite:${join(dir, 'sub', 'node.sqlite')}`,
    accounts: [{ id: 'alice', relation: 'child', min_balance: '-1000000000000', http: { incoming_token: ALICE_TOKEN } }],
  })

  const first = createNode(config)
  await first.start()
  const api = admin(first.adminUrl!)
  assert.equal((await api('POST', '/accounts', { id: 'bob', relation: 'child', max_balance: '99999999999999999', http: { url: peer.url } })).status, 201)
  assert.equal((await api('PUT', '/routes/test.far', { next_hop: 'bob' })).status, 200)
  assert.equal((await api('PUT', '/routes/default', { next_hop: 'bob' })).status, 200)
  assert.equal((await api('PATCH', '/accounts/bob', { max_packet_amount: '777' })).status, 200)
  const amounts = [1n, 20n, 300n, 4000n, 50000n]
  const replies = await Promise.all(amounts.map((a) => sendPrepare(first.listenerUrl('http')!, 'alice', ALICE_TOKEN, 'test.router.bob', a)))
  assert.ok(replies.every(isFulfill))
  await first.stop()

  const second = createNode(config)
  await second.start()
  t.after(() => second.stop())
  const api2 = admin(second.adminUrl!)
  const bob = await api2('GET', '/accounts/bob')
  assert.equal(bob.status, 200, 'the API-added account is back')
  assert.equal(bob.body.max_balance, '99999999999999999')
  assert.equal(bob.body.max_packet_amount, '777', 'a PATCH is durable')
  assert.equal(bob.body.http.url, peer.url)
  assert.equal((await api2('GET', '/accounts/alice/balance')).body.balance, '-54321')
  assert.equal((await api2('GET', '/accounts/bob/balance')).body.balance, '54321')

  assert.ok(
    (await api2('GET', '/routes')).body.some((r: { prefix: string; next_hop: string }) => r.prefix === 'test.far' && r.next_hop === 'bob'),
    'a route set over the API survives the restart',
  )
  assert.ok(
    (await api2('GET', '/routes')).body.some((r: { prefix: string; next_hop: string; source: string }) => r.prefix === '' && r.next_hop === 'bob' && r.source === 'static'),
    'so does the default route',
  )
  // ...and an update of its account, which rebuilds the account's static routes.
  assert.equal((await api2('PUT', '/accounts/bob', { relation: 'child', max_balance: '99999999999999999', http: { url: peer.url } })).status, 200)
  assert.ok((await api2('GET', '/routes')).body.some((r: { prefix: string }) => r.prefix === 'test.far'))

  // The restored account has its link again: packets flow without anyone re-adding it.
  assert.ok(isFulfill(await sendPrepare(second.listenerUrl('http')!, 'alice', ALICE_TOKEN, 'test.router.bob', 9n)))
  assert.equal((await api2('GET', '/accounts/bob/balance')).body.balance, '54330')
  // Removal is durable too.
  assert.equal((await api2('DELETE', '/accounts/bob')).status, 204)
  await second.stop()
  const third = createNode(config)
  await third.start()
  t.after(() => third.stop())
  assert.equal((await admin(third.adminUrl!)('GET', '/accounts/bob')).status, 404)
  const thirdRoutes = (await admin(third.adminUrl!)('GET', '/routes')).body as { prefix: string }[]
  assert.ok(!thirdRoutes.some((r) => r.prefix === 'test.far' || r.prefix === ''), 'routes of a removed account go with it, the default one too')
  await third.stop()
  const report = verifyLedger(join(dir, 'sub', 'node.sqlite'))
  assert.ok(report.ok, JSON.stringify(report.mismatches))
  assert.equal(report.entries, 6n)
})

test('a node with neither ilp_address nor a parent keeps its generated test address across restarts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-node-address-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ ilp_address: undefined, store: `sqlite:${join(dir, 'node.sqlite')}` })
  const first = createNode(config)
  const address = first.address
  assert.match(address ?? '', /^test\.node[0-9a-f]{12}$/)
  await first.stop()
  const second = createNode(config)
  assert.equal(second.address, address)
  await second.stop()
  const memory = createNode(testConfig({ ilp_address: undefined }))
  assert.notEqual(memory.address, address)
  await memory.stop()
})
