/**
 * An exact, non-negative rational number of two bigints: exchange rates, slippage, shares.
 * Always reduced, denominator positive, so equal values have equal fields. Immutable.
 */
import { MoneyError } from './errors.js'
import { parseExactDecimal, type DecimalInput } from './decimal.js'
import { divFloor } from './rounding.js'

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a
  let y = b < 0n ? -b : b
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

export class Ratio {
  static readonly ZERO = new Ratio(0n, 1n)
  static readonly ONE = new Ratio(1n, 1n)

  private constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}

  /** num / den, reduced. Throws MONEY_DIVIDE_BY_ZERO for den = 0 and MONEY_NEGATIVE for a negative value. */
  static from(num: bigint, den = 1n): Ratio {
    if (den === 0n) throw new MoneyError('MONEY_DIVIDE_BY_ZERO', `ratio ${num}/0`)
    if (den < 0n) [num, den] = [-num, -den]
    if (num < 0n) throw new MoneyError('MONEY_NEGATIVE', `ratio ${num}/${den} is negative`)
    const g = gcd(num, den)
    return g <= 1n ? new Ratio(num, den) : new Ratio(num / g, den / g)
  }

  /**
   * Parses a decimal exactly (`'0.92'`, `0.92`, `'1e-3'`, `5n`); see decimal.ts for what is accepted.
   * Negative values are refused (MONEY_NEGATIVE), malformed ones MONEY_INVALID_DECIMAL.
   */
  static fromDecimal(input: DecimalInput): Ratio {
    const { digits, scale } = parseExactDecimal(input)
    return Ratio.from(digits, 10n ** scale)
  }

  isZero(): boolean {
    return this.num === 0n
  }

  mul(other: Ratio): Ratio {
    return Ratio.from(this.num * other.num, this.den * other.den)
  }

  /** this / other; throws MONEY_DIVIDE_BY_ZERO when other is zero. */
  div(other: Ratio): Ratio {
    return this.mul(other.inverse())
  }

  /** 1 / this; throws MONEY_DIVIDE_BY_ZERO when this is zero. */
  inverse(): Ratio {
    if (this.num === 0n) throw new MoneyError('MONEY_DIVIDE_BY_ZERO', 'inverse of zero')
    return new Ratio(this.den, this.num)
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than other. */
  compare(other: Ratio): -1 | 0 | 1 {
    const left = this.num * other.den
    const right = other.num * this.den
    return left < right ? -1 : left > right ? 1 : 0
  }

  equals(other: Ratio): boolean {
    return this.num === other.num && this.den === other.den
  }

  floor(): bigint {
    return this.num / this.den
  }

  /** Exact text `num/den` (e.g. `23/25`), reversible with Ratio.parse. */
  toString(): string {
    return `${this.num}/${this.den}`
  }

  /** Parses `num/den` or a plain integer, as printed by toString. */
  static parse(text: string): Ratio {
    const match = /^(\d+)(?:\/(\d+))?$/.exec(text.trim())
    if (match === null) throw new MoneyError('MONEY_INVALID_DECIMAL', `invalid ratio ${JSON.stringify(text)}`)
    return Ratio.from(BigInt(match[1] ?? '0'), BigInt(match[2] ?? '1'))
  }

  /** For display only: `digits` fraction digits, rounded half up (`Ratio.from(2n, 3n).toDecimalString(3)` = "0.667"). */
  toDecimalString(digits = 9): string {
    if (!Number.isInteger(digits) || digits < 0) throw new RangeError(`digits must be a non-negative integer`)
    const unit = 10n ** BigInt(digits)
    const scaled = divFloor(this.num * unit * 2n + this.den, this.den * 2n)
    const whole = (scaled / unit).toString()
    if (digits === 0) return whole
    return `${whole}.${(scaled % unit).toString().padStart(digits, '0')}`
  }

  /** JSON shows the exact text, never a float. */
  toJSON(): string {
    return this.toString()
  }
}
