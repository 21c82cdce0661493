import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AccountConfigError, accountToJson, mergeAccountPatch, parseAccount } from './account-config.js'

const defaults = { assetCode: 'USD', assetScale: 9 }

test('http.pipelining: parsed, kept in JSON, bounded, and refused with async mode', () => {
  const account = parseAccount({ id: 'p', http: { url: 'http://127.0.0.1:1/ilp', pipelining: '16' } }, defaults)
  assert.equal(account.http?.pipelining, 16)
  assert.deepEqual(accountToJson(account).http, { url: 'http://127.0.0.1:1/ilp', pipelining: 16 })
  assert.equal(parseAccount({ id: 'q', http: { url: 'http://127.0.0.1:1/ilp' } }, defaults).http?.pipelining, undefined)
  for (const bad of [0, 1025, 2.5, 'many']) {
    assert.throws(() => parseAccount({ id: 'p', http: { pipelining: bad } }, defaults), (err: unknown) => err instanceof AccountConfigError && err.field === 'http.pipelining')
  }
  assert.throws(() => parseAccount({ id: 'p', http: { mode: 'async', pipelining: 4 } }, defaults), /pipelining applies to sync mode only/)
})

test('http.connections: parsed, kept in JSON, bounded', () => {
  const account = parseAccount({ id: 'p', http: { url: 'http://127.0.0.1:1/ilp', connections: '2', pipelining: 8 } }, defaults)
  assert.equal(account.http?.connections, 2)
  assert.deepEqual(accountToJson(account).http, { url: 'http://127.0.0.1:1/ilp', pipelining: 8, connections: 2 })
  for (const bad of [0, 1025, 1.5, 'few']) {
    assert.throws(() => parseAccount({ id: 'p', http: { connections: bad } }, defaults), (err: unknown) => err instanceof AccountConfigError && err.field === 'http.connections')
  }
})

test('http.http2: parsed, kept in JSON, refused with async mode and with pipelining', () => {
  const account = parseAccount({ id: 'p', http: { url: 'http://127.0.0.1:1/ilp', http2: 'true' } }, defaults)
  assert.equal(account.http?.http2, true)
  assert.deepEqual(accountToJson(account).http, { url: 'http://127.0.0.1:1/ilp', http2: true })
  assert.equal(parseAccount({ id: 'q', http: { url: 'http://127.0.0.1:1/ilp', http2: false } }, defaults).http?.http2, undefined)
  assert.throws(() => parseAccount({ id: 'p', http: { mode: 'async', http2: true } }, defaults), (err: unknown) => err instanceof AccountConfigError && err.field === 'http.http2')
  assert.throws(() => parseAccount({ id: 'p', http: { http2: true, pipelining: 8 } }, defaults), /pipelining is HTTP\/1\.1/)
  assert.throws(() => parseAccount({ id: 'p', http: { http2: 'sometimes' } }, defaults), (err: unknown) => err instanceof AccountConfigError && err.field === 'http.http2')
})

test('http JWT secrets: parsed, kept only in the JSON with secrets, and one outgoing credential at most', () => {
  const account = parseAccount({ id: 'p', http: { url: 'http://127.0.0.1:1/ilp', incoming_jwt_secret: 'in-secret', outgoing_jwt_secret: 'out-secret' } }, defaults)
  assert.equal(account.http?.incomingJwtSecret, 'in-secret')
  assert.equal(account.http?.outgoingJwtSecret, 'out-secret')
  assert.deepEqual(accountToJson(account).http, { url: 'http://127.0.0.1:1/ilp' })
  assert.deepEqual(accountToJson(account, { secrets: true }).http, { url: 'http://127.0.0.1:1/ilp', incoming_jwt_secret: 'in-secret', outgoing_jwt_secret: 'out-secret' })
  assert.throws(
    () => parseAccount({ id: 'p', http: { outgoing_token: 'a', outgoing_jwt_secret: 'b' } }, defaults),
    (err: unknown) => err instanceof AccountConfigError && err.field === 'http.outgoing_jwt_secret',
  )
  assert.throws(() => parseAccount({ id: 'p', http: { incoming_jwt_secret: '' } }, defaults), (err: unknown) => err instanceof AccountConfigError && err.field === 'http.incoming_jwt_secret')
})

test('an unknown key inside btp/http is named with its object', () => {
  assert.throws(() => parseAccount({ id: 'x', http: { colour: 'red' } }, defaults), (e: AccountConfigError) => e.field === 'http.colour' && /unknown key http\.colour/.test(e.message))
})

test('mergeAccountPatch: fields replace, objects merge one level, null removes, arrays are replaced whole', () => {
  const current = {
    id: 'bob',
    relation: 'peer',
    max_packet_amount: '10',
    routes: ['g.a', 'g.b'],
    http: { url: 'http://h.example/ilp', outgoing_token: 'secret', pipelining: 4 },
  }
  const merged = mergeAccountPatch(current, { max_packet_amount: '20', routes: ['g.c'], http: { pipelining: null, mode: 'sync' }, routing: { send_routes: false, receive_routes: null } })
  assert.deepEqual(merged, {
    id: 'bob',
    relation: 'peer',
    max_packet_amount: '20',
    routes: ['g.c'],
    http: { url: 'http://h.example/ilp', outgoing_token: 'secret', mode: 'sync' },
    routing: { send_routes: false },
  })
  assert.deepEqual(mergeAccountPatch(current, { http: null, max_packet_amount: null }), { id: 'bob', relation: 'peer', routes: ['g.a', 'g.b'] })
  assert.deepEqual(mergeAccountPatch(current, {}), current)
  assert.equal(current.http.pipelining, 4, 'the current object is not changed')
})

test('mergeAccountPatch: deeper values are copied for the parser to refuse; __proto__ stays a key', () => {
  const deep = mergeAccountPatch({ id: 'x' }, { http: { url: { nested: { deeper: null } } } })
  assert.deepEqual(deep, { id: 'x', http: { url: { nested: { deeper: null } } } })
  assert.throws(() => parseAccount(deep, defaults), (e: AccountConfigError) => e.field === 'http.url')
  const proto = mergeAccountPatch({ id: 'x' }, JSON.parse('{"__proto__": {"max_balance": "1"}}') as Record<string, unknown>)
  assert.equal(Object.getPrototypeOf(proto), Object.prototype)
  assert.throws(() => parseAccount(proto, defaults), (e: AccountConfigError) => e.field === '__proto__')
})

test('a patch over the JSON with secrets gives back the same account: tokens and link settings unchanged', () => {
  const account = parseAccount({ id: 'p', relation: 'child', http: { url: 'http://h.example/ilp', incoming_token: 'in', outgoing_token: 'out', mode: 'sync', pipelining: 2 }, btp: { incoming_token: 'b' } }, defaults)
  const patched = parseAccount(mergeAccountPatch(accountToJson(account, { secrets: true }), { max_packet_amount: 5 }), defaults)
  assert.deepEqual(patched, { ...account, maxPacketAmount: 5n })
  assert.equal(JSON.stringify({ btp: patched.btp, http: patched.http }), JSON.stringify({ btp: account.btp, http: account.http }), 'the node compares link settings as this JSON')
})
