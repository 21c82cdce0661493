/**
 * Exact parsing of decimals as written in config: `"0.92"`, `"1e-3"`, `12`, `"-1000"`.
 *
 * Decisions (docs/ledger.md "Parsing amounts and rates"):
 * - Strings are parsed digit by digit, never through a float: `"0.1"` is exactly 1/10.
 * - Scientific notation is accepted (`"1e-3"`, `"2.5E6"`) because YAML and JSON hand numbers such as 0.0000001
 *   to us as `1e-7`; the exponent is bounded by DECIMAL_EXPONENT_MAX so no input can make a huge power of ten.
 * - A `number` is taken as its shortest round-trip text (`String(0.92)` = "0.92"), i.e. as the author wrote it;
 *   NaN and ±Infinity are refused. A `bigint` is taken as is.
 * - A sign is allowed only when the caller says so (`allowNegative`); `"+1"` is accepted, `"-0"` is zero.
 * - No thousands separators, no whitespace inside, no `0x`; surrounding whitespace is trimmed.
 */
import { MoneyError } from './errors.js'

/** Longest decimal text we parse (a u64 has 20 digits; rates rarely need more than ~40 significant digits). */
export const DECIMAL_TEXT_LENGTH_MAX = 100
/** Bound on |exponent| in `1e-3` notation, so `1e999999999` cannot allocate a giant bigint. */
export const DECIMAL_EXPONENT_MAX = 60

export type DecimalInput = string | number | bigint

export interface ParseDecimalOptions {
  /** Accept a leading `-` (balance limits); default false (amounts, rates). */
  readonly allowNegative?: boolean
}

/** An exact decimal: value = `digits` / 10^`scale` (scale ≥ 0 after normalising a positive exponent). */
export interface ExactDecimal {
  readonly digits: bigint
  readonly scale: bigint
}

const DECIMAL_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

function invalid(input: DecimalInput, why: string): MoneyError {
  return new MoneyError('MONEY_INVALID_DECIMAL', `invalid decimal ${JSON.stringify(String(input))}: ${why}`)
}

function toText(input: DecimalInput): string {
  if (typeof input === 'bigint') return input.toString()
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw invalid(input, 'not a finite number')
    return String(input)
  }
  if (typeof input !== 'string') throw invalid(input, `expected a string or number, got ${typeof input}`)
  return input.trim()
}

/** Parses `input` exactly into digits / 10^scale. Throws MONEY_INVALID_DECIMAL or MONEY_NEGATIVE. */
export function parseExactDecimal(input: DecimalInput, options: ParseDecimalOptions = {}): ExactDecimal {
  const text = toText(input)
  if (text.length === 0) throw invalid(input, 'empty')
  if (text.length > DECIMAL_TEXT_LENGTH_MAX) throw invalid(input, `longer than ${DECIMAL_TEXT_LENGTH_MAX} characters`)
  const match = DECIMAL_PATTERN.exec(text)
  if (match === null) throw invalid(input, 'not a decimal number')
  const [, sign = '', whole = '', fraction = '', exponentText] = match
  if (whole.length === 0 && fraction.length === 0) throw invalid(input, 'no digits')
  const exponent = exponentText === undefined ? 0 : Number(exponentText)
  if (Math.abs(exponent) > DECIMAL_EXPONENT_MAX) throw invalid(input, `exponent beyond ±${DECIMAL_EXPONENT_MAX}`)
  let digits = BigInt((whole || '0') + fraction)
  if (sign === '-' && digits !== 0n) {
    if (options.allowNegative !== true) throw new MoneyError('MONEY_NEGATIVE', `${text} must not be negative`)
    digits = -digits
  }
  let scale = BigInt(fraction.length - exponent)
  if (scale < 0n) {
    digits *= 10n ** -scale
    scale = 0n
  }
  return { digits, scale }
}

/**
 * Parses an integer amount (`"1000000"`, `1e6`, `-500`, `12n`). A fractional value is refused
 * (MONEY_NOT_INTEGER): amounts in config are in the account's own asset scale.
 */
export function parseAmount(input: DecimalInput, options: ParseDecimalOptions = {}): bigint {
  const { digits, scale } = parseExactDecimal(input, options)
  const unit = 10n ** scale
  if (digits % unit !== 0n) throw new MoneyError('MONEY_NOT_INTEGER', `${String(input)} is not a whole amount`)
  return digits / unit
}
