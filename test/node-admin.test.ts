import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createNode, type IlpNode } from '../src/node/node.js'
import { bearerMatches, buildAdminApp, type AdminBackend } from '../src/node/admin.js'
import { isFulfill, isReject } from '../src/ilp/types.js'
import type { Account } from '../src/accounts/types.js'
import { createBtpClientLink } from '../src/link/btp/client.js'
import { LinkError, type Link } from '../src/link/types.js'
import type { Transport } from '../src/node/transports.js'
import { admin, ADMIN_TOKEN, sendPrepare, startFulfillingPeer, testConfig } from './node-harness.js'

const ALICE_TOKEN = 'alice-incoming-token'
const CAROL_TOKEN = 'carol-incoming-token'

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

describe('admin API: PATCH /accounts/:id', () => {
  test('changes only the fields named, keeps the tokens, and applies at once (F08 over the new max_packet_amount)', async (t) => {
    const node = await startNode(t)
    const peer = await startFulfillingPeer()
    t.after(() => peer.close())
    const api = admin(node.adminUrl!)
    const httpUrl = node.listenerUrl('http')!
    await api('POST', '/accounts', { id: 'bob', relation: 'child', http: { url: peer.url, outgoing_token: 'to-bob' } })
    await api('POST', '/accounts', { id: 'carol', relation: 'child', min_balance: '-1000000', http: { incoming_token: CAROL_TOKEN } })

    const patched = await api('PATCH', '/accounts/carol', { max_packet_amount: '100' })
    assert.equal(patched.status, 200)
    assert.deepEqual(patched.body, {
      id: 'carol', relation: 'child', asset_code: 'USD', asset_scale: 9, max_packet_amount: '100', min_balance: '-1000000', http: {},
    }, 'the other fields are as they were, and tokens are not echoed')
    assert.deepEqual((await api('GET', '/accounts/carol')).body, patched.body)
    assert.equal(node.accounts.get('carol')?.http?.incomingToken, CAROL_TOKEN, 'the token the patch did not name is kept')

    // carol still authenticates with the token she had, and her new limit applies to her next packet.
    const over = await sendPrepare(httpUrl, 'carol', CAROL_TOKEN, 'test.router.bob.x', 101n)
    assert.ok(isReject(over) && over.code === 'F08', `expected F08, got ${JSON.stringify(over)}`)
    assert.ok(isFulfill(await sendPrepare(httpUrl, 'carol', CAROL_TOKEN, 'test.router.bob.x', 100n)))
    assert.deepEqual(peer.received, [100n])

    // null removes a field; the RFC 7396 media type is accepted too.
    const removed = await fetch(`${node.adminUrl}/accounts/carol`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ max_packet_amount: null }),
    })
    assert.equal(removed.status, 200)
    assert.equal(((await removed.json()) as { max_packet_amount?: string }).max_packet_amount, undefined)
    assert.ok(isFulfill(await sendPrepare(httpUrl, 'carol', CAROL_TOKEN, 'test.router.bob.x', 101n)), 'no limit any more')

    // Nested objects merge one level deep: bob keeps his url and outgoing token.
    const nested = await api('PATCH', '/accounts/bob', { http: { pipelining: 4 } })
    assert.equal(nested.status, 200)
    assert.deepEqual(nested.body.http, { url: peer.url, pipelining: 4 })
    assert.deepEqual(node.accounts.get('bob')?.http, { url: peer.url, incomingToken: undefined, outgoingToken: 'to-bob', mode: undefined, pipelining: 4 })
    assert.deepEqual((await api('PATCH', '/accounts/bob', { http: { pipelining: null } })).body.http, { url: peer.url })
    assert.equal(node.accounts.get('bob')?.http?.outgoingToken, 'to-bob')
    assert.ok(isFulfill(await sendPrepare(httpUrl, 'carol', CAROL_TOKEN, 'test.router.bob.x', 7n)))
    assert.deepEqual(peer.received, [100n, 101n, 7n])
  })

  test('bad patches are refused naming the field, like POST and PUT, and change nothing', async (t) => {
    const node = await startNode(t)
    const api = admin(node.adminUrl!)
    await api('POST', '/accounts', { id: 'carol', relation: 'child', max_balance: 500, http: { incoming_token: CAROL_TOKEN } })
    await api('POST', '/accounts', { id: 'dave', btp: { incoming_token: 'dave-token' } })
    const before = { carol: node.accounts.get('carol'), dave: node.accounts.get('dave') }
    const cases: [string, unknown, string][] = [
      ['carol', { max_packet_amount: 1.5 }, 'max_packet_amount'],
      ['carol', { max_packet_amount: '-1' }, 'max_packet_amount'],
      ['carol', { max_packet_amount: 2 ** 60 }, 'max_packet_amount'],
      ['carol', { colour: 'red' }, 'colour'],
      ['carol', { http: { colour: 'red' } }, 'http.colour'],
      ['carol', { http: { pipelining: 0 } }, 'http.pipelining'],
      ['carol', { http: { mode: 'async', pipelining: 2 } }, 'http.pipelining'],
      ['carol', { http: { incoming_token: ALICE_TOKEN } }, 'http.incoming_token'],
      ['carol', { min_balance: 600 }, 'min_balance'],
      ['carol', { settle_to: 5 }, 'settle_to'],
      ['carol', { relation: 'boss' }, 'relation'],
      ['carol', { id: 'mallory' }, 'id'],
      ['carol', { id: null }, 'id'],
      ['carol', { routes: ['not an address'] }, 'routes.0'],
      ['dave', { btp: { url: 'btp+ws://dave:t@127.0.0.1:1/' } }, 'btp.incoming_token'],
    ]
    for (const [id, body, field] of cases) {
      const r = await api('PATCH', `/accounts/${id}`, body)
      assert.equal(r.status, 400, `${id} ${JSON.stringify(body)}`)
      assert.match(r.contentType, /application\/problem\+json/)
      assert.equal(r.body.code, 'ACCOUNT_INVALID')
      assert.equal(r.body.field, field, JSON.stringify(body))
    }
    for (const body of [[{ max_balance: 1 }], 'null', '"text"', '{not json']) {
      const r = await api('PATCH', '/accounts/carol', typeof body === 'string' ? body : body)
      assert.equal(r.status, 400, JSON.stringify(body))
      assert.match(r.contentType, /application\/problem\+json/)
    }
    assert.equal(node.accounts.get('carol'), before.carol, 'nothing changed')
    assert.equal(node.accounts.get('dave'), before.dave)

    const unknown = await api('PATCH', '/accounts/nobody', { max_balance: 1 })
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 'ACCOUNT_NOT_FOUND')
    const readOnly = await api('PATCH', '/accounts/alice', { max_balance: 1 })
    assert.equal(readOnly.status, 409)
    assert.equal(readOnly.body.code, 'ACCOUNT_READ_ONLY')
    // Moving to the other direction of dialling: name the token to drop.
    const turned = await api('PATCH', '/accounts/dave', { btp: { url: 'btp+ws://dave:t@127.0.0.1:1/', incoming_token: null } })
    assert.equal(turned.status, 200)
    assert.deepEqual(node.accounts.get('dave')?.btp, { url: 'btp+ws://dave:t@127.0.0.1:1/', incomingToken: undefined })
  })

  test('concurrent PATCHes of different fields all land', async (t) => {
    const node = await startNode(t)
    const api = admin(node.adminUrl!)
    await api('POST', '/accounts', { id: 'carol', relation: 'child' })
    const patches = [{ max_packet_amount: 1 }, { max_balance: 2 }, { min_balance: -3 }, { amount_per_minute: 4 }, { packets_per_minute: 5 }, { ilp_address: 'test.carol' }]
    const replies = await Promise.all(patches.map((p) => api('PATCH', '/accounts/carol', p)))
    assert.deepEqual(replies.map((r) => r.status), patches.map(() => 200))
    const carol = (await api('GET', '/accounts/carol')).body
    assert.deepEqual([carol.max_packet_amount, carol.max_balance, carol.min_balance, carol.amount_per_minute, carol.packets_per_minute, carol.ilp_address], ['1', '2', '-3', '4', 5, 'test.carol'])
  })

  test('a PATCH of an unrelated field keeps a live BTP connection, as a PUT of the same content does', async (t) => {
    const node = await startNode(t, { btp: { listen: '127.0.0.1:0' } })
    const api = admin(node.adminUrl!)
    const token = 'peer1-btp-token'
    await api('POST', '/accounts', { id: 'peer1', relation: 'peer', btp: { incoming_token: token } })
    let authenticated = 0
    const log = { debug() {}, warn() {}, error() {}, info: (_o: object, msg?: string) => void (msg === 'BTP link authenticated' && authenticated++) }
    const port = new URL(node.listenerUrl('btp')!).port
    const client = createBtpClientLink({ url: `btp+ws://peer1:${token}@127.0.0.1:${port}/`, log, reconnectFirstMs: 10, reconnectMaxMs: 20 })
    t.after(() => client.close())
    await client.whenConnected()
    const link = node.connector.getLink('peer1')
    assert.ok(link?.connected)

    assert.equal((await api('PATCH', '/accounts/peer1', { max_packet_amount: 5 })).status, 200)
    assert.equal(node.connector.getLink('peer1'), link, 'same link: its socket was not closed')
    assert.equal((await api('PUT', '/accounts/peer1', { relation: 'peer', max_packet_amount: 6, btp: { incoming_token: token } })).status, 200)
    assert.equal(node.connector.getLink('peer1'), link, 'PUT with the same btp settings keeps it too')
    assert.ok(link.connected && client.connected)
    assert.equal(authenticated, 1, 'the peer never had to reconnect')

    // What a PATCH spares the user: a PUT of what GET shows (no token) drops the token, and so the connection.
    const shown = (await api('GET', '/accounts/peer1')).body
    assert.equal((await api('PUT', '/accounts/peer1', shown)).status, 200)
    assert.notEqual(node.connector.getLink('peer1'), link, 'btp settings changed: a new link')
    assert.equal(node.accounts.get('peer1')?.btp?.incomingToken, undefined)
  })
})

/** A transport whose links' close() waits for `release()`: to interleave account changes with a relink. */
function slowClosingTransport() {
  const made: { url: string; closed: boolean; link: Link }[] = []
  let gate: { reached: () => void; wait: Promise<void> } | undefined
  const transport: Transport = {
    name: 'slow',
    async start() {},
    accountsChanged() {},
    linkFor(account: Account) {
      const url = account.http?.url
      if (url === undefined) return undefined
      const entry = { url, closed: false, link: undefined as unknown as Link }
      entry.link = {
        connected: true,
        send: () => Promise.reject(new LinkError('LINK_DOWN', 'test link')),
        handle() {},
        async close() {
          gate?.reached()
          await gate?.wait
          entry.closed = true
        },
      }
      made.push(entry)
      return entry.link
    },
    async stop() {},
  }
  return {
    transport,
    made,
    /** From now on, close() waits; resolves `closing` when one has started. */
    hold() {
      let reached!: () => void
      let release!: () => void
      const closing = new Promise<void>((resolve) => (reached = resolve))
      gate = { reached, wait: new Promise<void>((resolve) => (release = resolve)) }
      return { closing, release: () => ((gate = undefined), release()) }
    },
  }
}

describe('account updates that change the link', () => {
  const account = (id: string, url: string): Account => ({ id, relation: 'peer', assetCode: 'USD', assetScale: 9, http: { url } })

  async function slowNode(t: { after(fn: () => Promise<void>): void }) {
    const slow = slowClosingTransport()
    const node = createNode(testConfig(), { transports: [() => slow.transport] })
    await node.start()
    t.after(() => node.stop())
    return { node, slow }
  }

  test('removed while its old link closes: the update neither fails nor leaves a link behind', async (t) => {
    const { node, slow } = await slowNode(t)
    await node.accounts.add(account('x', 'http://a.example/ilp'))
    const { closing, release } = slow.hold()
    const update = node.accounts.update(account('x', 'http://b.example/ilp'))
    await closing
    await node.accounts.remove('x')
    release()
    await update
    assert.deepEqual(slow.made.map((m) => m.url), ['http://a.example/ilp'], 'no link for the removed account')
    assert.equal(node.connector.getAccount('x'), undefined)
  })

  test('updated again while its old link closes: one link, with the latest settings', async (t) => {
    const { node, slow } = await slowNode(t)
    await node.accounts.add(account('y', 'http://a.example/ilp'))
    const { closing, release } = slow.hold()
    const first = node.accounts.update(account('y', 'http://b.example/ilp'))
    await closing
    await node.accounts.update(account('y', 'http://c.example/ilp'))
    release()
    await first
    assert.deepEqual(slow.made.map((m) => [m.url, m.closed]), [['http://a.example/ilp', true], ['http://c.example/ilp', false]])
    assert.equal(node.connector.getLink('y'), slow.made[1]?.link)
  })
})

describe('admin API: the default route', () => {
  test('PUT /routes/default sets it over a parent\'s, GET /routes shows it, DELETE falls back to the parent', async (t) => {
    const node = await startNode(t)
    const peer = await startFulfillingPeer()
    t.after(() => peer.close())
    const api = admin(node.adminUrl!)
    const httpUrl = node.listenerUrl('http')!
    await api('POST', '/accounts', { id: 'bob', relation: 'peer', http: { url: peer.url } })
    const unreachable = await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.elsewhere.shop', 10n)
    assert.ok(isReject(unreachable) && unreachable.code === 'F02')

    const put = await api('PUT', '/routes/default', { next_hop: 'bob' })
    assert.equal(put.status, 200)
    assert.deepEqual(put.body, { prefix: '', next_hop: 'bob', source: 'static' })
    assert.ok(isFulfill(await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.elsewhere.shop', 10n)))
    assert.deepEqual(peer.received, [10n])

    // Bad input changes nothing.
    assert.equal((await api('PUT', '/routes/default', { next_hop: 'nobody' })).status, 404)
    const bad = await api('PUT', '/routes/default', { next_hop: 'not an id' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.field, 'next_hop')
    assert.equal((await api('PUT', '/routes/default', {})).body.field, 'next_hop')

    // A parent's default route (source local) is shown too; the static one is in use.
    assert.equal((await api('POST', '/accounts', { id: 'up', relation: 'parent' })).status, 201)
    const defaults = (await api('GET', '/routes')).body.filter((r: { prefix: string }) => r.prefix === '')
    assert.deepEqual(defaults, [{ prefix: '', next_hop: 'bob', source: 'static' }, { prefix: '', next_hop: 'up', source: 'local' }])
    assert.ok(isFulfill(await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.elsewhere.shop', 11n)))

    assert.equal((await api('DELETE', '/routes/default')).status, 204)
    assert.deepEqual((await api('GET', '/routes')).body.filter((r: { prefix: string }) => r.prefix === ''), [{ prefix: '', next_hop: 'up', source: 'local' }])
    const gone = await api('DELETE', '/routes/default')
    assert.equal(gone.status, 404)
    assert.equal(gone.body.code, 'ROUTE_NOT_FOUND')
    assert.equal(gone.body.detail, 'no static default route')
    const toParent = await sendPrepare(httpUrl, 'alice', ALICE_TOKEN, 'test.elsewhere.shop', 12n)
    assert.ok(isReject(toParent), 'now via the parent, which has no link')
    assert.deepEqual(peer.received, [10n, 11n])
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
