import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createJwtAuthorization, createJwtVerifier, JWT_CLOCK_TOLERANCE_MS, JWT_LIFETIME_MS, looksLikeJwt, unverifiedClaims, validUntil } from './jwt.js'
import { createTokenAuthenticator } from './tokens.js'

const SECRET = 'shared-secret-0123456789abcdef0123456789abcdef'
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A JWT made by hand: any header, any claims, signed with HS256 under `secret` (or not at all). */
function handMade(header: object, claims: object, secret: string | undefined = SECRET): string {
  const input = `${b64(header)}.${b64(claims)}`
  const signature = secret === undefined ? '' : createHmac('sha256', secret).update(input).digest('base64url')
  return `${input}.${signature}`
}

const inSeconds = (s: number): number => Math.floor(Date.now() / 1000) + s

test('JWT_HS_256: our tokens verify under the shared secret, carry exp (and sub when named), and are signed anew at half-life', () => {
  let now = Date.now()
  const authorization = createJwtAuthorization(SECRET, { sub: 'alice', now: () => now })
  const first = authorization()
  assert.match(first, /^Bearer eyJ/)
  const token = first.slice(7)
  assert.ok(looksLikeJwt(token))
  assert.equal(createJwtVerifier(SECRET)(token), true)
  assert.equal(createJwtVerifier('another-secret-0123456789abcdef0123456789')(token), false)
  const claims = unverifiedClaims(token)!
  assert.equal(claims.sub, 'alice')
  assert.equal(claims.exp, Math.floor((now + JWT_LIFETIME_MS) / 1000))
  assert.equal(validUntil(token), (claims.exp as number) * 1000 + JWT_CLOCK_TOLERANCE_MS)
  now += JWT_LIFETIME_MS / 2 - 1
  assert.equal(authorization(), first, 'reused while young')
  now += 2_000
  assert.notEqual(authorization(), first, 'signed anew past half its life')
  assert.equal(validUntil('not-a-jwt'), Infinity)
})

test('JWT_HS_256: expired, not-yet-valid, unsigned, other-algorithm and exp-less tokens are refused', () => {
  const verify = createJwtVerifier(SECRET)
  const hs256 = { alg: 'HS256', typ: 'JWT' }
  assert.equal(verify(handMade(hs256, { exp: inSeconds(30) })), true)
  assert.equal(verify(handMade(hs256, { exp: inSeconds(-60) })), false, 'expired')
  assert.equal(verify(handMade(hs256, { exp: inSeconds(60), nbf: inSeconds(60) })), false, 'not yet valid')
  assert.equal(verify(handMade(hs256, { sub: 'a' })), false, 'no exp')
  assert.equal(verify(handMade({ alg: 'none', typ: 'JWT' }, { exp: inSeconds(30) }, undefined)), false, 'alg none')
  assert.equal(verify(handMade({ alg: 'HS512', typ: 'JWT' }, { exp: inSeconds(30) })), false, 'another algorithm')
  const good = handMade(hs256, { exp: inSeconds(30) })
  assert.equal(verify(good.slice(0, -3) + (good.endsWith('AAA') ? 'BBB' : 'AAA')), false, 'tampered signature')
})

test('authenticator: a JWT names its account by the path, or else by its sub; only that account secret is tried; static tokens still work', () => {
  const authenticate = createTokenAuthenticator(
    [{ accountId: 'static', token: 'static-token-0123456789abcdef0123456789abcdef' }],
    [
      { accountId: 'alice', jwtSecret: SECRET },
      { accountId: 'bob', jwtSecret: 'bobs-secret-0123456789abcdef0123456789abcdef' },
    ],
  )
  const hs256 = { alg: 'HS256', typ: 'JWT' }
  const plugin = handMade(hs256, { iat: inSeconds(0), exp: inSeconds(30) }) // ilp-plugin-http's: no sub
  assert.equal(authenticate('alice', plugin), 'alice')
  assert.equal(authenticate('bob', plugin), undefined, "alice's token on bob's path")
  assert.equal(authenticate(undefined, plugin), undefined, 'no path and no sub: no account')
  assert.equal(authenticate(undefined, handMade(hs256, { sub: 'alice', exp: inSeconds(30) })), 'alice')
  assert.equal(authenticate(undefined, handMade(hs256, { sub: 'bob', exp: inSeconds(30) })), undefined, 'bob named, alice signed')
  assert.equal(authenticate('alice', handMade(hs256, { exp: inSeconds(-60) })), undefined, 'expired')
  assert.equal(authenticate(undefined, 'static-token-0123456789abcdef0123456789abcdef'), 'static')
  assert.equal(authenticate('static', 'static-token-0123456789abcdef0123456789abcdef'), 'static')
  assert.equal(authenticate('static', plugin), undefined)
})
