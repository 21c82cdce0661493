/**
 * Variable-length GeneralizedTime, the only timestamp form BTP uses (RFC 30 §"Variable-length Timestamps",
 * RFC 23 Error.triggeredAt): `YYYYMMDDHHmmSS[.f|.ff|.fff]Z`, UTC only, `.` as the decimal separator.
 *
 * Decoding accepts the RFC's trimmed form (`20171224161432.2Z`, `20171224161432Z`) and the form the JS stack
 * writes (btp-packet always writes `.mmmZ`, e.g. `.000Z`, which the RFC calls "spurious trailing zeros").
 * It rejects everything else RFC 30 lists as invalid: offsets, `,` separators, more than 3 fraction digits,
 * `.Z`, out-of-range fields and midnight written as `240000`. Leap second `60` is allowed (RFC 30 "MUST allow
 * leap seconds") at 23:59 only; a Date cannot hold it, so it decodes as the following instant (`…T00:00:00.fff`).
 */
import { CodecError } from '../../oer/errors.js'

/** Shortest valid form `YYYYMMDDHHmmSSZ`. */
const TIME_MIN_LENGTH = 15
/** Longest valid form `YYYYMMDDHHmmSS.fffZ`. */
export const GENERALIZED_TIME_MAX_LENGTH = 19

const CHAR_0 = 0x30
const CHAR_DOT = 0x2e
const CHAR_Z = 0x5a

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * How to write the fraction. `js` (the default on the wire) always writes three digits, because
 * ilp-plugin-btp/btp-packet can only read `.mmmZ`; `rfc` trims trailing zeros and drops a zero fraction as
 * RFC 30 requires. The two disagree (protocol-notes §13.3); interoperability with the deployed peer wins.
 */
export type GeneralizedTimeForm = 'js' | 'rfc'

function invalid(text: string, why: string): CodecError {
  return new CodecError('BTP_INVALID_TIME', `invalid GeneralizedTime ${JSON.stringify(text)}: ${why}`)
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

function digitsAt(bytes: Uint8Array, at: number, n: number): number {
  let v = 0
  for (let i = at; i < at + n; i++) {
    const d = bytes[i]! - CHAR_0
    if (d < 0 || d > 9) return -1
    v = v * 10 + d
  }
  return v
}

function asText(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length && i < 64; i++) s += String.fromCharCode(bytes[i]!)
  return s
}

/** Milliseconds of the fraction between `.` and `Z` (1..3 digits), or throws. */
function readFraction(bytes: Uint8Array, text: () => string): number {
  const digitCount = bytes.length - TIME_MIN_LENGTH - 1
  if (bytes[14] !== CHAR_DOT) throw invalid(text(), 'expected "." or "Z" after the seconds')
  if (digitCount === 0) throw invalid(text(), 'a decimal point with no fraction digits')
  const fraction = digitsAt(bytes, 15, digitCount)
  if (fraction < 0) throw invalid(text(), 'the fraction contains a non-digit')
  // btp-packet always writes 3 digits (`.000Z`, `.200Z`); a 3-digit fraction is accepted as is. Shorter
  // fractions are the RFC form and must not end in 0 (`.20Z`, `.0Z` are "spurious trailing zeros").
  if (digitCount < 3 && bytes[15 + digitCount - 1] === CHAR_0) throw invalid(text(), 'a trailing zero in the fraction')
  return fraction * 10 ** (3 - digitCount)
}

/** Decodes the characters of a GeneralizedTime (the var string's contents). */
export function readGeneralizedTime(bytes: Uint8Array): Date {
  const text = (): string => asText(bytes)
  const length = bytes.length
  if (length < TIME_MIN_LENGTH || length > GENERALIZED_TIME_MAX_LENGTH) throw invalid(text(), `length ${length} is not 15..19`)
  if (bytes[length - 1] !== CHAR_Z) throw invalid(text(), 'must end in "Z" (UTC)')
  const year = digitsAt(bytes, 0, 4)
  const month = digitsAt(bytes, 4, 2)
  const day = digitsAt(bytes, 6, 2)
  const hour = digitsAt(bytes, 8, 2)
  const minute = digitsAt(bytes, 10, 2)
  const second = digitsAt(bytes, 12, 2)
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) throw invalid(text(), 'non-digit in the date or time')
  const ms = length === TIME_MIN_LENGTH ? 0 : readFraction(bytes, text)
  if (month < 1 || month > 12) throw invalid(text(), `month ${month} out of range`)
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!
  if (day < 1 || day > maxDay) throw invalid(text(), `day ${day} out of range`)
  if (hour > 23) throw invalid(text(), `hour ${hour} out of range (midnight is 000000 of the next day)`)
  if (minute > 59) throw invalid(text(), `minute ${minute} out of range`)
  if (second > 60 || (second === 60 && (hour !== 23 || minute !== 59))) throw invalid(text(), `second ${second} out of range`)
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, ms) // a leap second 60 rolls over into the next day
  return date
}

/** Parses the string form, e.g. `20171224161432.2Z`. Non-ASCII input is invalid. */
export function parseGeneralizedTime(text: string): Date {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c > 0x7f) throw invalid(text, 'non-ASCII character')
    bytes[i] = c
  }
  return readGeneralizedTime(bytes)
}

function pad(v: number, n: number): string {
  return String(v).padStart(n, '0')
}

/**
 * Formats a Date. Years outside 0000..9999 cannot be written in four digits and are refused (a programmer
 * error or a corrupt clock, never a peer's input).
 */
export function formatGeneralizedTime(date: Date, form: GeneralizedTimeForm = 'js'): string {
  const t = date.getTime()
  if (!Number.isFinite(t)) throw new CodecError('BTP_INVALID_TIME', 'cannot encode an invalid Date')
  const year = date.getUTCFullYear()
  if (year < 0 || year > 9999) throw new CodecError('BTP_INVALID_TIME', `year ${year} does not fit GeneralizedTime`)
  const head =
    pad(year, 4) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2)
  const ms = date.getUTCMilliseconds()
  if (form === 'js') return `${head}.${pad(ms, 3)}Z`
  if (ms === 0) return `${head}Z`
  return `${head}.${pad(ms, 3).replace(/0+$/, '')}Z`
}
