import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createTokenAuthenticator, tokensEqual } from './tokens.js'

test('tokensEqual compares secrets of any length', () => {
  assert.equal(tokensEqual('secret', 'secret'), true)
  assert.equal(tokensEqual('secret', 'secreT'), false)
  assert.equal(tokensEqual('secret', 'secret-but-longer'), false)
  assert.equal(tokensEqual('', ''), true)
})

test('createTokenAuthenticator: a username naming an account needs that account’s token', () => {
  const authenticate = createTokenAuthenticator([
    { accountId: 'alice', token: 'alice-token' },
    { accountId: 'bob', token: 'bob-token' },
    { accountId: 'nobody', token: '' },
  ])
  assert.equal(authenticate('alice', 'alice-token'), 'alice')
  assert.equal(authenticate('alice', 'bob-token'), undefined, 'another account’s token does not open alice')
  assert.equal(authenticate(undefined, 'bob-token'), 'bob', 'the token alone names the account')
  assert.equal(authenticate('', 'bob-token'), 'bob', 'an empty username is no username')
  assert.equal(authenticate('some-name-the-peer-chose', 'bob-token'), 'bob', 'an unknown username falls back to the token')
  assert.equal(authenticate(undefined, 'wrong'), undefined)
  assert.equal(authenticate('nobody', ''), undefined, 'an empty token authenticates nobody')
  assert.equal(authenticate(undefined, ''), undefined)
})
