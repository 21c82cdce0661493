/** Amounts and rates (ARCHITECTURE.md "Money rules"): checked u64 bigints, exact ratios, rounding in the name. */
export { MoneyError, type MoneyErrorCode } from './errors.js'
export { U64_MAX, isU64, checkU64, saturateU64, minBigint, maxBigint } from './u64.js'
export {
  DECIMAL_TEXT_LENGTH_MAX,
  DECIMAL_EXPONENT_MAX,
  parseExactDecimal,
  parseAmount,
  type DecimalInput,
  type ExactDecimal,
  type ParseDecimalOptions,
} from './decimal.js'
export { Ratio } from './ratio.js'
export { divFloor, divCeil, mulDivFloor, mulDivCeil, applyFloor, applyCeil } from './rounding.js'
