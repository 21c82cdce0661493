/**
 * Shared-secret authentication of peers (BTP `auth_token`, ILP-over-HTTP `Authorization: Bearer`), compared
 * in constant time as the SIMPLE profile of rfcs `proposals/0000-http-auth-profiles.md` asks.
 *
 * Tokens are never compared directly: both sides are hashed with SHA-256 first, so the comparison has a fixed
 * length and its timing says nothing about the token; a lookup by digest reveals nothing an attacker can use.
 */
import { hash, timingSafeEqual } from 'node:crypto'

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

/**
 * An authenticator over a fixed set of (account, incoming token) pairs. A username that names an account must
 * come with that account's token; otherwise (no username, as with `Authorization: Bearer` on `/ilp`, or a
 * username the peer chose for itself, as ilp-plugin-btp allows) the token alone names the account.
 * Accounts with an empty token are skipped: an empty secret authenticates nobody.
 */
export function createTokenAuthenticator(entries: Iterable<TokenEntry>): Authenticate {
  const byAccount = new Map<string, Buffer>()
  const byDigest = new Map<string, string>()
  for (const { accountId, token } of entries) {
    if (token === '') continue
    const d = digest(token)
    byAccount.set(accountId, d)
    byDigest.set(d.toString('hex'), accountId)
  }
  return (username, token) => {
    const given = digest(token)
    const expected = username === undefined ? undefined : byAccount.get(username)
    if (expected !== undefined) return timingSafeEqual(expected, given) ? username : undefined
    return byDigest.get(given.toString('hex'))
  }
}
