import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AccountConfigError, accountToJson, parseAccount } from './account-config.js'

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
