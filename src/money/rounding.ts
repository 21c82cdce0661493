/**
 * Integer arithmetic whose rounding direction is in its name. Rounding always goes against the node
 * (ARCHITECTURE.md "Money rules" 1): floor what we send out, ceil what we require in.
 */
import { MoneyError } from './errors.js'
import type { Ratio } from './ratio.js'

function checkDivisor(d: bigint): void {
  if (d <= 0n) throw new MoneyError('MONEY_DIVIDE_BY_ZERO', `divisor must be positive, got ${d}`)
}

/** ⌊a / d⌋ for d > 0, correct for negative `a` too (bigint `/` truncates toward zero). */
export function divFloor(a: bigint, d: bigint): bigint {
  checkDivisor(d)
  const q = a / d
  return a % d !== 0n && a < 0n ? q - 1n : q
}

/** ⌈a / d⌉ for d > 0. */
export function divCeil(a: bigint, d: bigint): bigint {
  checkDivisor(d)
  const q = a / d
  return a % d !== 0n && a > 0n ? q + 1n : q
}

/** ⌊a × n / d⌋ computed exactly (no intermediate rounding), d > 0. */
export function mulDivFloor(a: bigint, n: bigint, d: bigint): bigint {
  return divFloor(a * n, d)
}

/** ⌈a × n / d⌉ computed exactly, d > 0. */
export function mulDivCeil(a: bigint, n: bigint, d: bigint): bigint {
  return divCeil(a * n, d)
}

/** ⌊amount × ratio⌋: what a connector forwards after applying its rate. The caller checks the u64 range. */
export function applyFloor(amount: bigint, ratio: Ratio): bigint {
  return mulDivFloor(amount, ratio.num, ratio.den)
}

/** ⌈amount × ratio⌉: e.g. the source amount needed to deliver at least `amount`. */
export function applyCeil(amount: bigint, ratio: Ratio): bigint {
  return mulDivCeil(amount, ratio.num, ratio.den)
}
