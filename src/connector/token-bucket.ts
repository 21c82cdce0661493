/**
 * A token bucket refilled continuously at `perMinute` tokens per minute, holding at most one minute's worth.
 * Integer arithmetic throughout: tokens are kept in "token-milliseconds" (tokens × 60 000), so a refill of
 * `perMinute × elapsedMs` is exact and no fraction is lost between packets. Amounts use bigint (money rule 1).
 */
const MS_PER_MINUTE = 60_000n

export interface TokenBucket {
  /** Takes `cost` tokens if there are enough (true), else takes nothing (false). */
  take(cost: bigint, nowMs: number): boolean
  /** Whole tokens available now (for tests and the admin API). */
  available(nowMs: number): bigint
}

export function createTokenBucket(perMinute: bigint, nowMs: number): TokenBucket {
  if (perMinute < 0n) throw new RangeError(`rate limit must not be negative, got ${perMinute}`)
  const capacity = perMinute * MS_PER_MINUTE
  let level = capacity
  let last = nowMs

  function refill(nowMs: number): void {
    // A clock that steps back refills nothing (and moves `last` back so the next step is measured from there).
    const elapsed = nowMs > last ? BigInt(Math.floor(nowMs - last)) : 0n
    last = nowMs
    if (elapsed === 0n) return
    level += perMinute * elapsed
    if (level > capacity) level = capacity
  }

  return {
    take(cost: bigint, nowMs: number): boolean {
      refill(nowMs)
      const scaled = cost * MS_PER_MINUTE
      if (scaled > level) return false
      level -= scaled
      return true
    },
    available(nowMs: number): bigint {
      refill(nowMs)
      return level / MS_PER_MINUTE
    },
  }
}
