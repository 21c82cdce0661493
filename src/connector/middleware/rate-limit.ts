/**
 * Per-account limits (T05 Rate Limited): `packetsPerMinute` counts every Prepare from the account, peer
 * protocol packets included; `amountPerMinute` (throughput) counts the amount of the Prepares that get past the
 * max-packet-amount check. Token buckets with the injected clock; a bucket is reset when the account's
 * settings change (updateAccount gives a new Account object). Tokens are not given back when a packet is
 * later rejected, as in ilp-connector.
 */
import type { Account } from '../../accounts/types.js'
import { IlpErrorCode, reject } from '../../ilp/errors.js'
import type { NodeIdentity } from '../context.js'
import { createTokenBucket, type TokenBucket } from '../token-bucket.js'
import type { IncomingMiddleware } from '../types.js'

interface Buckets {
  account: Account
  bucket: TokenBucket | undefined
}

function bucketFor(state: Map<string, Buckets>, account: Account, limit: bigint | undefined, nowMs: number): TokenBucket | undefined {
  let entry = state.get(account.id)
  if (entry === undefined || entry.account !== account) {
    entry = { account, bucket: limit === undefined ? undefined : createTokenBucket(limit, nowMs) }
    state.set(account.id, entry)
  }
  return entry.bucket
}

export interface RateLimitOptions {
  readonly self: NodeIdentity
}

export interface RateLimitStage {
  readonly middleware: IncomingMiddleware
  /** Drops the state of an account (removeAccount). */
  forget(accountId: string): void
}

export function createPacketRateLimit(options: RateLimitOptions): RateLimitStage {
  const state = new Map<string, Buckets>()
  return {
    middleware: (next) => (request) => {
      const { from } = request
      if (from.packetsPerMinute === undefined) return next(request)
      const nowMs = request.hop.receivedMs
      const bucket = bucketFor(state, from, BigInt(Math.floor(from.packetsPerMinute)), nowMs)
      if (bucket !== undefined && !bucket.take(1n, nowMs)) {
        return Promise.resolve(reject(IlpErrorCode.T05_RATE_LIMITED, options.self.address, `more than ${from.packetsPerMinute} packets per minute`))
      }
      return next(request)
    },
    forget: (accountId) => void state.delete(accountId),
  }
}

export function createThroughputLimit(options: RateLimitOptions): RateLimitStage {
  const state = new Map<string, Buckets>()
  return {
    middleware: (next) => (request) => {
      const { from, prepare } = request
      if (from.amountPerMinute === undefined || prepare.amount === 0n) return next(request)
      const nowMs = request.hop.receivedMs
      const bucket = bucketFor(state, from, from.amountPerMinute, nowMs)
      if (bucket !== undefined && !bucket.take(prepare.amount, nowMs)) {
        return Promise.resolve(reject(IlpErrorCode.T05_RATE_LIMITED, options.self.address, `more than ${from.amountPerMinute} per minute`))
      }
      return next(request)
    },
    forget: (accountId) => void state.delete(accountId),
  }
}
