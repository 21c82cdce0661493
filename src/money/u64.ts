/**
 * Checked unsigned 64-bit amounts. Every ILP amount is a UInt64 (RFC 27, `amount UInt64`), held as a `bigint`.
 */
import { MoneyError } from './errors.js'

/** The largest ILP amount: 2^64 − 1 (RFC 27 / ASN.1 `UInt64`). */
export const U64_MAX = 0xffff_ffff_ffff_ffffn

export function isU64(value: bigint): boolean {
  return value >= 0n && value <= U64_MAX
}

/** Returns `value` when it fits a u64; throws `MONEY_NOT_U64` otherwise. `what` names it in the message. */
export function checkU64(value: bigint, what = 'amount'): bigint {
  if (!isU64(value)) throw new MoneyError('MONEY_NOT_U64', `${what} ${value} is outside 0..2^64-1`)
  return value
}

/** `value` clamped into 0..U64_MAX (for sums reported over the wire, e.g. STREAM totals). */
export function saturateU64(value: bigint): bigint {
  if (value < 0n) return 0n
  return value > U64_MAX ? U64_MAX : value
}

export function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

export function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}
