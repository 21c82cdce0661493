/**
 * Currency conversion of one packet hop, exact and rounded down (money rule 1: rounding goes against the node).
 *
 *   outgoing = ⌊ incoming × rate × 10^(toScale − fromScale) × (1 − spread) ⌋
 *
 * `rate` is whole units of the outgoing asset per whole unit of the incoming asset (rates.ts); the amounts are
 * in each account's own scale. The product is formed as one numerator and one denominator with no
 * intermediate rounding and no gcd on the hot path.
 */
import { Ratio, U64_MAX, mulDivFloor } from '../money/index.js'

export type Conversion =
  | { readonly kind: 'ok'; readonly amount: bigint }
  /** A non-zero amount that converts to less than one unit (R01). */
  | { readonly kind: 'too-small' }
  /** The result exceeds a UInt64 (F08); `maximumIncoming` is the largest incoming amount that fits. */
  | { readonly kind: 'overflow'; readonly maximumIncoming: bigint }

/** Asset scales are UInt8 (RFC 31 assetScale). */
export const ASSET_SCALE_MAX = 255

const POW10: bigint[] = Array.from({ length: ASSET_SCALE_MAX + 1 }, (_, i) => 10n ** BigInt(i))

function pow10(n: number): bigint {
  const p = POW10[n]
  if (p === undefined) throw new RangeError(`asset scale difference ${n} is out of range`)
  return p
}

/** `1 − spread` as a Ratio; spread must be in [0, 1). */
export function keepAfterSpread(spread: Ratio): Ratio {
  if (spread.compare(Ratio.ONE) >= 0) throw new RangeError(`spread ${spread.toString()} must be below 1`)
  return Ratio.from(spread.den - spread.num, spread.den)
}

export function convertAmount(amount: bigint, rate: Ratio, fromScale: number, toScale: number, keep: Ratio): Conversion {
  let num = rate.num * keep.num
  let den = rate.den * keep.den
  if (toScale >= fromScale) num *= pow10(toScale - fromScale)
  else den *= pow10(fromScale - toScale)
  const out = mulDivFloor(amount, num, den)
  if (out > U64_MAX) return { kind: 'overflow', maximumIncoming: largestInputThatFits(num, den) }
  if (out === 0n && amount > 0n) return { kind: 'too-small' }
  return { kind: 'ok', amount: out }
}

/** The largest a with ⌊a × num / den⌋ ≤ U64_MAX, i.e. a × num < 2^64 × den (num > 0). */
function largestInputThatFits(num: bigint, den: bigint): bigint {
  const limit = (U64_MAX + 1n) * den
  const a = limit % num === 0n ? limit / num - 1n : limit / num
  return a > U64_MAX ? U64_MAX : a
}
