import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createNode, type IlpNode } from '../src/node/node.js'
import { bearerMatches, buildAdminApp, type AdminBackend } from '../src/node/admin.js'
import { isFulfill, isReject } from '../src/ilp/types.js'
import { admin, ADMIN_TOKEN, sendPrepare, startFulfillingPeer, testConfig } from './node-harness.js'

const ALICE_TOKEN = 'alice-incoming-token'

async function startNode(t: { after(fn: () => Promise<void>): void }, raw: Record<string, unknown> = {}): Promise<IlpNode> {
  const node = createNode(
    testConfig({
      rates: { USD: '1', EUR: '0.5' },
      accounts: [{ id: 'alice', relation: 'child', min_balance: -1_000_000, http: { incoming_token: ALICE_TOKEN } }],
      ...raw,
    }),
  )
  await node.start()
  t.after(() => node.stop())
  return node
}

describe('admin API', () => {
  test('no or wrong token: 401 problem+json on every route', async (t) => {
    const node = await startNode(t)
    for (const token of [null, 'wrong-token', '']) {
      for (const path of ['/health', '/accounts', '/metrics', '/routes', '/accounts/alice/balance']) {
        const r = await admin(node.adminUrl!, token)('GET', path)
        assert.equal(r.status, 401, `${path} with ${String(token)}`)
        assert.match(r.contentType, /application\/problem\+json/)
        assert.equal(r.body.code, 'UNAUTHORIZED')
      }
    }
    const wrongScheme = await fetch(`${node.adminUrl}/health`, { headers: { authorization: `Basic ${ADMIN_TOKEN}` } })
    assert.equal(wrongScheme.status, 401)
  })

  test('health reports address, rates and links', async (t) => {
    const node = await startNode(t)
    const r = await admin(node.adminUrl!)('GET', '/health')
    assert.equal(r.status, 200)
    assert.equal(r.body.status, 'ok')
    assert.equal(r.body.address, 'test.router')
    assert.deepEqual(r.body.rates, { source: 'static', age_ms: 0, stale: false })
    assert.deepEqual(r.body.links, [{ account: 'alice', transport: 'http', connected: false }])
    assert.match(r.body.listeners.http, /^http:\/\/127\.0\.0\.1:\d+$/)
  })

  test('invalid bodies: 400 naming the field; unknown ids: 404; config accounts: 409', async (t) => {
    const node = await startNode(t)
    const api = admin(node.adminUrl!)
    const cases: [unknown, string][] = [
      [{ id: 'x', max_balance: 1.5 }, 'max_balance'],
      [{ id: 'x', max_balance: 2 ** 60 }, 'max_balance'],
      [{ id: 'bad id' }, 'id'],
      [{ id: 'x', colour: 'red' }, 'colour'],
      [{ id: 'x', btp: { url: 'http://x' } }, 'btp.url'],
      [{ id: 'x', relation: 'boss' }, 'relation'],
    ]
    for (const [body, field] of cases) {
      const r = await api('POST', '/accounts', body)
      assert.equal(r.status, 400, JSON.stringify(body))
      assert.match(r.contentType, /application\/problem\+json/)
      assert.equal(r.body.field, field)
      assert.match(r.body.detail, new RegExp(field.replace('.', '\\.')))
    }
    const sameToken = await api('POST', '/accounts', { id: 'y', http: { incoming_token: ALICE_TOKEN } })
    assert.equal(sameToken.status, 400)
    assert.equal(sameToken.body.field, 'http.incoming_token')
    const notJson = await api('POST', '/accounts', '{not json')
    assert.equal(notJson.status, 400)
    assert.match(notJson.contentType, /problem\+json/)
    for (const [method, path] of [['GET', '/accounts/nobody'], ['DELETE', '/accounts/nobody'], ['GET', '/accounts/nobody/balance']] as const) {
      const r = await api(method, path)
      assert.equal(r.status, 404, `${method} ${path}`)
      assert.equal(r.body.code, 'ACCOUNT_NOT_FOUND')
    }
    assert.equal((await api('PUT', '/accounts/nobody', { relation: 'peer' })).status, 404)
    assert.equal((await api('GET', '/no/such/route')).status, 404)
    const readOnly = await api('DELETE', '/accounts/alice')
    assert.equal(readOnly.status, 409)
    assert.equal(readOnly.body.code, 'ACCOUNT_READ_ONLY')
    assert.equal((await api('POST', '/accounts', { id: 'alice' })).status, 409)
    assert.equal((await api('PUT', '/routes/test.x', { next_hop: 'nobody' })).status, 404)
    assert.equal((await api('PUT', '/routes/not-an-address', { next_hop: 'alice' })).body.field, 'prefix')
    assert.equal((await api('PUT', '/rates', { EUR: 'cheap' })).body.field, 'rates.EUR')
  })

  test('an account added over the API carries packets at once; updates and removal apply live', async (t) => {
    const node = await startNode(t)
    const peer = await startFulfillingPeer()
    t.after(() => peer.close())
    const api = admin(node.adminUrl!)
    const httpUrl = node.listenerUrl('http')!

    const created = await api('POST', '/accounts', { id: 'bob', relation: 'child', http: { url: peer.url, outgoing_token: 'to-bob' } })
    assert.equal(created.status, 201)
    assert.equal(created.body.http.outgoing_token, undefined, 'tokens are not echoed')
    assert.deepEqual((await api('GET', '/accounts')).body.map((a: { id: string }) => a.id), ['alice', 'bob'])

    const reply = await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.router.bob.invoice1', 1000n)
    assert.ok(isFulfill(reply), `expected a Fulfill, got ${JSON.stringify(reply)}`)
    assert.deepEqual(peer.received, [1000n])
    assert.deepEqual((await api('GET', '/accounts/alice/balance')).body, {
      account: 'alice', asset_code: 'USD', asset_scale: 9, balance: '-1000', pending_incoming: '0', pending_outgoing: '0',
    })
    assert.equal((await api('GET', '/accounts/bob/balance')).body.balance, '1000')

    const updated = await api('PUT', '/accounts/bob', { relation: 'child', max_balance: 1005, http: { url: peer.url } })
    assert.equal(updated.status, 200)
    assert.equal(updated.body.max_balance, '1005')
    const overLimit = await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.router.bob.invoice2', 6n)
    assert.ok(isReject(overLimit) && overLimit.code === 'T04', 'the new max_balance applies without a restart')
    assert.ok(isFulfill(await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.router.bob.invoice2', 5n)))

    assert.equal((await api('DELETE', '/accounts/bob')).status, 204)
    const gone = await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.router.bob.invoice3', 5n)
    assert.ok(isReject(gone) && gone.code === 'F02')
    assert.equal((await api('GET', '/accounts/bob')).status, 404)
    assert.deepEqual(peer.received, [1000n, 5n], 'nothing reached the removed peer')
  })

  test('deposit credits an account durably; bad amounts are 400 naming the field', async (t) => {
    const node = await startNode(t)
    const api = admin(node.adminUrl!)
    const r = await api('POST', '/accounts/alice/deposit', { amount: '18446744073709551615', memo: 'prefund' })
    assert.equal(r.status, 200)
    assert.equal(r.body.balance, '18446744073709551615')
    const journal = await node.ledger.verify()
    assert.ok(journal.ok)
    for (const [body, field] of [[{ amount: 0 }, 'amount'], [{ amount: '1.5' }, 'amount'], [{}, 'amount'], [{ amount: 1, extra: 1 }, 'extra']] as const) {
      const bad = await api('POST', '/accounts/alice/deposit', body)
      assert.equal(bad.status, 400, JSON.stringify(body))
      assert.equal(bad.body.field, field)
    }
    assert.equal((await api('POST', '/accounts/nobody/deposit', { amount: 1 })).status, 404)
  })

  test('routes and rates change live', async (t) => {
    const node = await startNode(t)
    const peer = await startFulfillingPeer()
    t.after(() => peer.close())
    const api = admin(node.adminUrl!)
    const httpUrl = node.listenerUrl('http')!
    await api('POST', '/accounts', { id: 'eu', relation: 'peer', asset_code: 'EUR', asset_scale: 9, http: { url: peer.url } })

    const unreachable = await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'g.eu.shop', 100n)
    assert.ok(isReject(unreachable))
    const put = await api('PUT', '/routes/test.eu', { next_hop: 'eu' })
    assert.deepEqual(put.body, { prefix: 'test.eu', next_hop: 'eu', source: 'static' })
    assert.ok((await api('GET', '/routes')).body.some((r: { prefix: string; next_hop: string }) => r.prefix === 'test.eu' && r.next_hop === 'eu'))

    assert.ok(isFulfill(await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.eu.shop', 100n)))
    assert.deepEqual(peer.received, [50n], '1 USD = 0.5 EUR')

    const rates = await api('PUT', '/rates', { USD: '1', EUR: '2' })
    assert.equal(rates.status, 200)
    assert.deepEqual(rates.body.rates, { USD: '1', EUR: '2' })
    assert.ok(isFulfill(await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.eu.shop', 100n)))
    assert.deepEqual(peer.received, [50n, 200n], 'the new rate applies at once')

    assert.equal((await api('DELETE', '/routes/test.eu')).status, 204)
    assert.equal((await api('DELETE', '/routes/test.eu')).status, 404)
    const after = await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.eu.shop', 100n)
    assert.ok(isReject(after) && after.code === 'F02')
  })

  test('metrics: packets by outcome and code, latency histogram, balances', async (t) => {
    const node = await startNode(t)
    const peer = await startFulfillingPeer()
    t.after(() => peer.close())
    const api = admin(node.adminUrl!)
    const httpUrl = node.listenerUrl('http')!
    await api('POST', '/accounts', { id: 'bob', relation: 'child', http: { url: peer.url } })
    await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.router.bob', 7n)
    await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.nowhere', 7n)
    const r = await api('GET', '/metrics')
    assert.equal(r.status, 200)
    assert.match(r.contentType, /text\/plain/)
    const text = r.body as string
    assert.match(text, /^ilp_packets_total\{outcome="fulfilled",code=""\} 1$/m)
    assert.match(text, /^ilp_packets_total\{outcome="rejected",code="F02"\} 1$/m)
    assert.match(text, /^ilp_forward_latency_seconds_count\{outcome="fulfilled"\} 1$/m)
    assert.match(text, /^ilp_account_balance\{account="alice",asset_code="USD"\} -7$/m)
    assert.match(text, /^ilp_account_balance\{account="bob",asset_code="USD"\} 7$/m)
    assert.match(text, /^ilp_link_connected\{account="bob"\} 1$/m)
    assert.match(text, /^ilp_rates_stale 0$/m)
  })
})

describe('admin app with a fake backend', () => {
  test('an unexpected error is a 500 problem that reveals nothing, and is reported', async () => {
    const reported: unknown[] = []
    const backend = { listAccounts: () => { throw new Error('disk on fire: /secret/path') } } as unknown as AdminBackend
    const app = buildAdminApp({ backend, token: ADMIN_TOKEN, onInternalError: (e) => reported.push(e) })
    const r = await app.inject({ method: 'GET', url: '/accounts', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    assert.equal(r.statusCode, 500)
    assert.match(String(r.headers['content-type']), /application\/problem\+json/)
    assert.equal(JSON.parse(r.body).detail, 'internal error')
    assert.doesNotMatch(r.body, /secret/)
    assert.equal(reported.length, 1)
    await app.close()
  })

  test('bearerMatches: exact token only', () => {
    assert.equal(bearerMatches(`Bearer ${ADMIN_TOKEN}`, ADMIN_TOKEN), true)
    assert.equal(bearerMatches(`bearer ${ADMIN_TOKEN}`, ADMIN_TOKEN), true)
    assert.equal(bearerMatches(`Bearer ${ADMIN_TOKEN}x`, ADMIN_TOKEN), false)
    assert.equal(bearerMatches(ADMIN_TOKEN, ADMIN_TOKEN), false)
    assert.equal(bearerMatches(undefined, ADMIN_TOKEN), false)
    assert.equal(bearerMatches('Bearer ', ''), false, 'an empty token never matches')
  })
})
