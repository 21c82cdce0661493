/**
 * The JWT_HS_256 profile of rfcs `proposals/0000-http-auth-profiles.md` ("peers SHOULD support SIMPLE and
 * JWT_HS_256"), as ILP over HTTP uses it: both peers hold a shared secret; the sender derives short-lived bearer
 * tokens from it (HS256, with `exp`), the receiver verifies them. It is also ilp-plugin-http's `secret` mode
 * (a token with `exp` and `iat` and no `sub`, sent without the `Bearer ` prefix).
 *
 * Signing and verifying are fast-jwt's (synchronous: they run inside the HTTP server's fast path). The secret is
 * the HMAC key as UTF-8 bytes, as jsonwebtoken (ilp-plugin-http) takes it.
 */
import { createDecoder, createSigner, createVerifier } from 'fast-jwt'

/** Lifetime of the tokens we sign (ilp-plugin-http's default); a new one is signed at half of it. */
export const JWT_LIFETIME_MS = 30_000
/** Clock difference tolerated between peers when checking `exp` and `nbf`. */
export const JWT_CLOCK_TOLERANCE_MS = 5_000

/** The shape of a compact JWS whose header is JSON (base64url of `{"`): three base64url parts. */
const COMPACT_JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

export function looksLikeJwt(token: string): boolean {
  return token.length < 8192 && COMPACT_JWT.test(token)
}

const decodePayload = createDecoder()

/** The claims of `token`, unverified (to find which account's secret verifies it), or undefined. */
export function unverifiedClaims(token: string): { sub?: unknown; exp?: unknown } | undefined {
  try {
    const claims: unknown = decodePayload(token)
    return claims !== null && typeof claims === 'object' ? (claims as { sub?: unknown; exp?: unknown }) : undefined
  } catch {
    return undefined
  }
}

/** When a token verified before stops being valid (ms), from its `exp`; Infinity for anything else. */
export function validUntil(token: string): number {
  if (!looksLikeJwt(token)) return Infinity
  const exp = unverifiedClaims(token)?.exp
  return typeof exp === 'number' ? exp * 1000 + JWT_CLOCK_TOLERANCE_MS : Infinity
}

/**
 * A verifier for one shared secret: true if the token is an HS256 JWT signed with `secret`, with an `exp` that has
 * not passed (and an `nbf`, if any, that has). `alg: none` and every other algorithm are refused.
 */
export function createJwtVerifier(secret: string): (token: string) => boolean {
  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    requiredClaims: ['exp'],
    clockTolerance: JWT_CLOCK_TOLERANCE_MS,
    cache: 256, // tokens are reused for seconds: node:http's path verifies each request
  })
  return (token) => {
    try {
      verify(token)
      return true
    } catch {
      return false
    }
  }
}

/**
 * The bearer tokens we send a peer that shares `secret` with us: an HS256 JWT with `exp` (and `sub` when given),
 * signed again once half its lifetime has passed. Returns `Bearer <token>`.
 */
export function createJwtAuthorization(secret: string, options: { sub?: string; now?: () => number; lifetimeMs?: number } = {}): () => string {
  const now = options.now ?? Date.now
  const lifetimeMs = options.lifetimeMs ?? JWT_LIFETIME_MS
  const sign = createSigner({ key: secret, algorithm: 'HS256', noTimestamp: true })
  let header = ''
  let renewAt = 0
  return () => {
    const t = now()
    if (t >= renewAt) {
      const payload: Record<string, unknown> = { iat: Math.floor(t / 1000), exp: Math.floor((t + lifetimeMs) / 1000) }
      if (options.sub !== undefined) payload.sub = options.sub
      header = `Bearer ${sign(payload)}`
      renewAt = t + lifetimeMs / 2
    }
    return header
  }
}
