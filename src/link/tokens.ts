/**
 * Shared-secret authentication of peers (BTP `auth_token`, ILP-over-HTTP `Authorization: Bearer`), compared
 * in constant time as the SIMPLE profile of rfcs `proposals/0000-http-auth-profiles.md` asks; and, for accounts
 * that set a JWT secret, the JWT_HS_256 profile's derived tokens (jwt.ts).
 *
 * Tokens are never compared directly: both sides are hashed with SHA-256 first, so the comparison has a fixed
 * length and its timing says nothing about the token; a lookup by digest reveals nothing an attacker can use.
 */
import { hash, timingSafeEqual } from 'node:crypto'
import { createJwtVerifier, looksLikeJwt, unverifiedClaims } from './jwt.js'

/** `(username, token) → accountId`, or undefined when the credentials match no account. */
export type Authenticate = (username: string | undefined, token: string) => string | undefined

/** One-shot SHA-256 of the UTF-8 token (cheaper than createHash().update().digest(), which showed per request). */
function digest(token: string): Buffer {
  return hash('sha256', token, 'buffer')
}

/** Constant-time equality of two secrets of any length. */
export function tokensEqual(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given))
}

export interface TokenEntry {
  readonly accountId: string
  readonly token: string
}

/** An account whose peer authenticates with JWTs it derives from a shared secret (JWT_HS_256, see jwt.ts). */
export interface JwtSecretEntry {
  readonly accountId: string
  readonly jwtSecret: string
}

/**
 * An authenticator over a fixed set of (account, incoming token) pairs. A username that names an account must
 * come with that account's token; otherwise (no username, as with `Authorization: Bearer` on `/ilp`, or a
 * username the peer chose for itself, as ilp-plugin-btp allows) the token alone names the account.
 * Accounts with an empty token are skipped: an empty secret authenticates nobody.
 */
export function createTokenAuthenticator(entries: Iterable<TokenEntry>, jwtEntries: Iterable<JwtSecretEntry> = []): Authenticate {
  const byAccount = new Map<string, Buffer>()
  const byDigest = new Map<string, string>()
  for (const { accountId, token } of entries) {
    if (token === '') continue
    const d = digest(token)
    byAccount.set(accountId, d)
    byDigest.set(d.toString('hex'), accountId)
  }
  const jwtVerifiers = new Map<string, (token: string) => boolean>()
  for (const { accountId, jwtSecret } of jwtEntries) if (jwtSecret !== '') jwtVerifiers.set(accountId, createJwtVerifier(jwtSecret))
  const staticToken = (username: string | undefined, token: string): string | undefined => {
    const given = digest(token)
    const expected = username === undefined ? undefined : byAccount.get(username)
    if (expected !== undefined) return timingSafeEqual(expected, given) ? username : undefined
    return byDigest.get(given.toString('hex'))
  }
  if (jwtVerifiers.size === 0) return staticToken
  return (username, token) => {
    if (looksLikeJwt(token)) {
      // The account is named by the username (the path's account) or else by the token's `sub`; the JWT must be
      // signed with that account's secret. Nothing else is tried: one HMAC per request at most.
      const sub = username ?? unverifiedClaims(token)?.sub
      const verify = typeof sub === 'string' ? jwtVerifiers.get(sub) : undefined
      if (verify !== undefined && verify(token)) return sub as string
    }
    return staticToken(username, token)
  }
}
